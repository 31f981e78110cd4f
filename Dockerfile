# Build: docker build -t fechatter .   Run: docker run -p 8080:8080 -v fechatter:/data fechatter
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/fechatter ./cmd/fechatter

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fechatter /fechatter
ENV FECHATTER_ADDR=:8080 FECHATTER_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/fechatter"]

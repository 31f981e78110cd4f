package files

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"github.com/fechatter/fechatter"
)

// previewable are the image types that get a thumbnail and may be shown inline: raster
// formats a browser renders without running anything. SVG is never among them.
var previewable = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// Inline reports whether a sniffed content type may be shown in the page rather than
// downloaded.
func Inline(contentType string) bool { return previewable[contentType] }

// imageSize reads an image's dimensions from its header, without decoding its pixels, and
// refuses one of more than maxPixels (a decompression bomb is small on disk and huge in
// memory).
func imageSize(r io.Reader, maxPixels int64) (int, int, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return 0, 0, fechatter.Errorf(fechatter.EInvalid, "the image could not be read: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0, fechatter.Errorf(fechatter.EInvalid, "the image has no pixels")
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return 0, 0, fechatter.Errorf(fechatter.ETooLarge, "the image is %d × %d pixels; the limit is %d pixels", cfg.Width, cfg.Height, maxPixels)
	}
	return cfg.Width, cfg.Height, nil
}

// thumbnail decodes an image already checked by imageSize and scales it to fit size × size:
// JPEG for photos, PNG for the formats that may be transparent.
func thumbnail(r io.Reader, contentType string, size int) ([]byte, error) {
	var src image.Image
	var err error
	switch contentType {
	case "image/gif":
		src, err = gif.Decode(r) // the first frame
	default:
		src, _, err = image.Decode(r)
	}
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, h*size/w)
		} else {
			w, h = max(1, w*size/h), size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var out bytes.Buffer
	if contentType == "image/jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&out, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return out.Bytes(), nil
}

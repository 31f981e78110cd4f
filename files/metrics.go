package files

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	uploads      *prometheus.CounterVec // by outcome code
	uploadBytes  prometheus.Counter
	downloads    *prometheus.CounterVec
	thumbnails   prometheus.Counter // images decoded for a preview
	swept        prometheus.Counter
	blobsDeleted prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fechatter_file_uploads_total",
			Help: "File uploads by outcome (ok or an error code)."}, []string{"outcome"}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_file_upload_bytes_total",
			Help: "Bytes of files uploaded and stored."}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fechatter_file_downloads_total",
			Help: "File downloads by outcome (ok or an error code)."}, []string{"outcome"}),
		thumbnails: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_file_thumbnails_total",
			Help: "Images decoded to make a thumbnail."}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_files_swept_total",
			Help: "Uploads never attached, collected after the grace period."}),
		blobsDeleted: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_file_blobs_deleted_total",
			Help: "Stored blobs deleted because no file refers to them any more."}),
	}
	if reg != nil {
		reg.MustRegister(m.uploads, m.uploadBytes, m.downloads, m.thumbnails, m.swept, m.blobsDeleted)
	}
	return m
}

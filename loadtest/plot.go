package loadtest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one line of a chart.
type Series struct {
	Name   string
	Points [][2]float64 // x, y; drawn in the order given
}

// Chart is a simple line chart, drawn with the standard library and a bitmap font.
type Chart struct {
	Title, XLabel, YLabel string
	LogY                  bool // logarithmic y axis (latencies)
	Series                []Series
}

var palette = []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255}, {140, 86, 75, 255}}

const (
	plotW, plotH                       = 900, 540
	marginL, marginR, marginT, marginB = 80, 170, 40, 60
)

// WritePNG draws the chart to path.
func (c *Chart) WritePNG(path string) error {
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	xmin, xmax, ymin, ymax := c.bounds()
	fy := func(y float64) float64 { return y }
	if c.LogY {
		fy = func(y float64) float64 { return math.Log10(max(y, 1e-9)) }
	}
	px := func(x float64) int {
		return marginL + int((x-xmin)/(xmax-xmin)*float64(plotW-marginL-marginR))
	}
	py := func(y float64) int {
		return plotH - marginB - int((fy(y)-fy(ymin))/(fy(ymax)-fy(ymin))*float64(plotH-marginT-marginB))
	}
	grey := color.RGBA{200, 200, 200, 255}
	for _, t := range ticks(ymin, ymax, c.LogY) {
		y := py(t)
		line(img, marginL, y, plotW-marginR, y, grey)
		label(img, 5, y+4, trimFloat(t), color.Black)
	}
	for _, t := range ticks(xmin, xmax, false) {
		x := px(t)
		line(img, x, plotH-marginB, x, plotH-marginB+5, color.Black)
		label(img, x-12, plotH-marginB+20, trimFloat(t), color.Black)
	}
	line(img, marginL, marginT, marginL, plotH-marginB, color.Black)
	line(img, marginL, plotH-marginB, plotW-marginR, plotH-marginB, color.Black)
	label(img, marginL, 20, c.Title, color.Black)
	label(img, marginL+(plotW-marginL-marginR)/2-40, plotH-15, c.XLabel, color.Black)
	label(img, 5, marginT-10, c.YLabel, color.Black)
	for i, s := range c.Series {
		col := palette[i%len(palette)]
		for j, p := range s.Points {
			x, y := px(p[0]), py(p[1])
			dot(img, x, y, col)
			if j > 0 {
				q := s.Points[j-1]
				thick(img, px(q[0]), py(q[1]), x, y, col)
			}
		}
		ly := marginT + 20*i + 10
		thick(img, plotW-marginR+10, ly, plotW-marginR+30, ly, col)
		label(img, plotW-marginR+35, ly+4, s.Name, color.Black)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (c *Chart) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			xmin, xmax = min(xmin, p[0]), max(xmax, p[0])
			ymin, ymax = min(ymin, p[1]), max(ymax, p[1])
		}
	}
	if math.IsInf(xmin, 0) {
		return 0, 1, 0, 1
	}
	if c.LogY {
		ymin = math.Pow(10, math.Floor(math.Log10(max(ymin, 0.01))))
		ymax = math.Pow(10, math.Ceil(math.Log10(max(ymax, ymin*10))))
	} else {
		ymin = min(ymin, 0)
		ymax *= 1.1
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	return xmin, xmax, ymin, ymax
}

// ticks returns about six round values across [lo, hi], or the powers of ten for a log axis.
func ticks(lo, hi float64, log bool) []float64 {
	var out []float64
	if log {
		for v := lo; v <= hi*1.0001; v *= 10 {
			out = append(out, v)
		}
		return out
	}
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 7 {
			step *= m
			break
		}
	}
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		out = append(out, v)
	}
	return out
}

func trimFloat(v float64) string {
	if math.Abs(v) >= 1e6 {
		return fmt.Sprintf("%.3gM", v/1e6)
	}
	if math.Abs(v) >= 1e4 {
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func label(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	err := dx + dy
	for {
		img.Set(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * err; e2 >= dy {
			err += dy
			x0 += sx
		} else {
			err += dx
			y0 += sy
		}
	}
}

func thick(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	for d := -1; d <= 1; d++ {
		line(img, x0, y0+d, x1, y1+d, c)
	}
}

func dot(img *image.RGBA, x, y int, c color.Color) {
	for i := -3; i <= 3; i++ {
		for j := -3; j <= 3; j++ {
			img.Set(x+i, y+j, c)
		}
	}
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

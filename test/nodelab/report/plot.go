package report

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// modeColors are the lines' colours, by mode; other modes are grey.
var modeColors = map[string]color.Color{
	"off":  color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"warn": color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
}

// Plot draws the failed requests per second of the runs of experiment
// over time, one line per mode, and saves it as a PNG at path.
func (r *Report) Plot(experiment, title, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since the load started (triangles: a rollout starts)"
	p.Y.Label.Text = fmt.Sprintf("failed requests per second (of %d/s)", r.Settings.RatePerSec)
	p.Y.Min = 0
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	found := false
	for _, run := range r.Runs {
		if run.Experiment != experiment {
			continue
		}
		found = true
		xys := make(plotter.XYs, len(run.FailedPerSecond))
		for i, n := range run.FailedPerSecond {
			xys[i] = plotter.XY{X: float64(i), Y: float64(n)}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("plotting mode %s of %s: %w", run.Mode, experiment, err)
		}
		line.StepStyle = plotter.PostStep
		line.Width = vg.Points(1.5)
		line.Color = color.Gray{Y: 0x80}
		if c, ok := modeColors[run.Mode]; ok {
			line.Color = c
		}
		starts := make(plotter.XYs, len(run.RolloutsAt))
		for i, at := range run.RolloutsAt {
			starts[i] = plotter.XY{X: at, Y: 0}
		}
		marks, err := plotter.NewScatter(starts)
		if err != nil {
			return fmt.Errorf("plotting the rollouts of mode %s of %s: %w", run.Mode, experiment, err)
		}
		marks.Shape = draw.TriangleGlyph{}
		marks.Radius = vg.Points(4)
		marks.Color = line.Color
		p.Add(line, marks)
		injected := "nothing injected"
		if run.Injected != "-" {
			injected = "injected " + run.Injected
		}
		p.Legend.Add(fmt.Sprintf("mode %s (%s): %d of %d requests failed", run.Mode, injected, run.Stats.Failed, run.Stats.Sent), line)
	}
	if !found {
		return fmt.Errorf("no run of experiment %q to plot", experiment)
	}
	if err := p.Save(9*vg.Inch, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("saving the plot to %s: %w", path, err)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"spindle/internal/proto"
)

// barScale is the total of a stage's bar: progress 0..1 in thousandths.
const barScale = 1000

// progress draws one bar per stage of an application on a terminal. A nil
// *progress draws nothing; its methods may be called all the same. Its
// methods must be called from one goroutine.
type progress struct {
	p      *mpb.Progress
	stages map[int]*stageBar
}

// stageBar is the bar of one stage and the task counts it shows.
type stageBar struct {
	bar    *mpb.Bar
	counts atomic.Pointer[string] // read by mpb's goroutine
}

// newProgress returns a progress drawing on w if w is a terminal, else nil.
func newProgress(ctx context.Context, w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{
		p:      mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40)),
		stages: map[int]*stageBar{},
	}
}

// update redraws the bars from an application status.
func (pr *progress) update(app proto.App) {
	if pr == nil {
		return
	}
	for _, st := range app.Stages {
		sb := pr.stage(st)
		counts := fmt.Sprintf("%d/%d tasks", st.Done, st.Tasks)
		sb.counts.Store(&counts)
		sb.bar.SetCurrent(int64(min(max(st.Progress, 0), 1) * barScale))
	}
}

// stage returns the bar of st, adding it the first time st is seen.
func (pr *progress) stage(st proto.Stage) *stageBar {
	if sb, ok := pr.stages[st.ID]; ok {
		return sb
	}
	sb := &stageBar{}
	name := st.Name
	if name == "" {
		name = fmt.Sprintf("stage %d", st.ID)
	}
	sb.bar = pr.p.AddBar(barScale,
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Any(func(decor.Statistics) string {
			if c := sb.counts.Load(); c != nil {
				return "  " + *c
			}
			return ""
		})),
	)
	pr.stages[st.ID] = sb
	return sb
}

// done stops drawing: bars of a finished application complete, others
// stay where they were.
func (pr *progress) done(app proto.App) {
	if pr == nil {
		return
	}
	for _, sb := range pr.stages {
		if app.State == proto.StateFinished {
			sb.bar.SetCurrent(barScale)
			sb.bar.SetTotal(-1, true)
		} else {
			sb.bar.Abort(false)
		}
	}
	pr.p.Wait()
}

package browsertest

import (
	"context"
	"fmt"
	"os"

	"github.com/chromedp/chromedp"
)

// Screenshot writes a full-page PNG (for people debugging a failure).
func Screenshot(ctx context.Context, path string) error {
	// Quality 100 is how chromedp asks for PNG rather than JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("browsertest: taking a screenshot: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("browsertest: saving the screenshot: %w", err)
	}
	return nil
}

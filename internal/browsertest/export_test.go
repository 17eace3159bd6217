package browsertest

// Internals the external tests in browsertest_test need to check.
var (
	FindChromium        = findChromium
	ErrChromiumNotFound = errChromiumNotFound
	ReadAxe             = readAxe
	ErrAxeMissing       = errAxeMissing
)

// SharedBrowserPID returns the process id of the shared browser, starting it
// if need be.
func SharedBrowserPID() (int, error) {
	b, err := sharedBrowser()
	if err != nil {
		return 0, err
	}
	return b.pid, nil
}

package jobs

// EnqueueDeadlineDigests exposes the digest's core to the tests, which fix
// "now" and read what was queued.
var EnqueueDeadlineDigests = enqueueDeadlineDigests

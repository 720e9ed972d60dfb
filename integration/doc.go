// Package integration holds end-to-end tests: they build the real spindle
// CLI and job binaries, start a coordinator and workers as separate
// processes on 127.0.0.1, submit jobs with the CLI, and compare outputs
// byte for byte with plain reference implementations. They wait on
// events (a node list, an application state) with deadlines, never on
// fixed sleeps.
//
// Nothing here is imported by other packages.
package integration

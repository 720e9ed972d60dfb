// Package main does not compile, on purpose: the CLI must report that
// the package does not build.
package main

func main() {
	undefinedFunction()
}

// Command broken does not compile, on purpose: the CLI's tests check how
// a build failure is reported.
package main

func main() {
	undefinedFunction()
}

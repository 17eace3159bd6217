// Package scripts holds the shell scripts the Makefile and CI run; its tests
// run setup.sh against a made-up machine (a PATH and a root folder of fake
// programs) and check what it finds, installs and refuses.
package scripts

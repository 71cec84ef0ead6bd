# Build and check entry points. Everything real lives in dev.py (test, demo)
# and packaging/build.py (package, deb, smoke), which need only Python 3.11+;
# Windows and macOS run those scripts directly (see README, "Install and packaging").

PYTHON ?= python3

.PHONY: package deb smoke test demo clean-package

## package: one-folder build + .tar.gz + .deb in dist/, then the smoke test
package:
	$(PYTHON) packaging/build.py

## deb: only the .deb, from dist/auditviewer (frozen first if missing), smoke-tested
deb:
	$(PYTHON) packaging/build.py --deb

## smoke: smoke-test the last build again (frozen verify, --version, GUI offscreen, .deb)
smoke:
	$(PYTHON) packaging/build.py --smoke

## test: ruff, mypy and the whole test suite
test:
	$(PYTHON) dev.py test

## demo: open the viewer on the built-in demo bundle
demo:
	$(PYTHON) dev.py demo

## clean-package: remove build/ and dist/
clean-package:
	rm -rf build dist

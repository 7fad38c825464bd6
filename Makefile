# dgm: every step of the pipeline as a make target. `make demo` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
DGM := node bin/dgm.js
BACKEND ?= auto

.PHONY: help install build typecheck data demo test test-fast train-maf-moons train-maf-fmnist train-gan train-cgan \
        train-wgan-gp train export sample eval bench bench-backends bench-deps serve install-gpu apt-deps clean

help:
	@echo "make demo     train small models, export, sample, check parity (the main job on embedded defaults)"
	@echo "make test     typecheck and run the jest suite"
	@echo "make data     find (or download) Fashion-MNIST and print its summary"
	@echo "make train    train every model (see train-* targets); make export, sample, eval, bench, serve"
	@echo "make install-gpu  opt in to tfjs-node-gpu and the CUDA execution provider (needs CUDA 12)"

# npm ci only when the lock file is newer than the installed tree (it also builds dist/ via `prepare`).
node_modules/.package-lock.json: package-lock.json
	npm ci
	@touch $@

install: node_modules/.package-lock.json

build: install
	npx tsc -p tsconfig.json

typecheck: install
	npx tsc -p tsconfig.json --noEmit

# Debian's Fashion-MNIST (and, for the tests, Chromium and the ONNX checker) when apt is available and they are missing.
apt-deps:
	@bash .ci/apt-deps.sh

data: build
	$(DGM) data

test: install apt-deps build
	npx jest

# Every trained run under runs/ to models/<name>/ (ONNX files + card.json), each checked against tfjs in
# onnxruntime-node and by the ONNX checker; prints model, file, size and parity error.
export: build
	$(DGM) export

clean:
	rm -rf dist

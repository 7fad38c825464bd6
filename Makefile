# dgm: every step of the pipeline as a make target. `make demo` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
DGM := node bin/dgm.js
BACKEND ?= auto

.PHONY: help install build typecheck data demo test test-fast train export sample eval eval-classifier bench bench-backends bench-deps serve install-gpu apt-deps gpu-check clean zoo pack

help:
	@echo "make demo     train small models, export, sample, check parity (the main job on embedded defaults)"
	@echo "make test     typecheck and run the jest suite"
	@echo "make data     find (or download) Fashion-MNIST and print its summary"
	@echo "make train    train every model (see train-* targets); make export, sample, eval, bench, serve"
	@echo "make install-gpu  opt in to tfjs-node-gpu and the CUDA execution provider (needs CUDA 12)"

# Install only when the lock file is newer than the installed tree (`npm install` keeps the locked versions; see .ci/run
# for why not `npm ci`).
node_modules/.package-lock.json: package-lock.json
	npm install --no-audit --no-fund
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

# The main job, small, on the embedded defaults: the moons flow (20 epochs) and a short conditional GAN run (300
# steps) as runs/demo-*, exported to models/demo-* (checked against tfjs), sampled through onnxruntime-node into
# reports/demo/*.png, then their parity table across tfjs, onnxruntime-node, onnxruntime-web (wasm, in Node) and
# Chromium (WebGPU, wasm), also in reports/parity-models.md. `make serve` then shows them in the browser.
DEMO_GAN_STEPS ?= 300
DEMO_FLOW_EPOCHS ?= 20
demo: install apt-deps build
	$(DGM) train maf-moons --name demo-maf-moons --epochs $(DEMO_FLOW_EPOCHS) --fresh --backend $(BACKEND)
	$(DGM) train cgan --name demo-cgan --steps $(DEMO_GAN_STEPS) --fresh --backend $(BACKEND)
	$(DGM) export demo-maf-moons demo-cgan
	@mkdir -p reports/demo
	$(DGM) sample demo-cgan --n 100 --seed 1 --out reports/demo/cgan-classes.png
	$(DGM) sample demo-cgan --n 64 --seed 1 --label 7 --out reports/demo/cgan-class7.png
	$(DGM) sample demo-maf-moons --n 1000 --seed 1 --out reports/demo/maf-moons.png
	DGM_PARITY_MODELS=models/demo-maf-moons,models/demo-cgan npx jest test/parity/models.test.ts --silent
	@cat reports/parity-models.md

# make train-<model>: one model of `dgm train --list` (the family registry's runs) into runs/<model>/: the GANs one
# epoch each on Fashion-MNIST (10x10 sample grids every 50 steps in runs/<model>/samples-*.png), maf-moons prints the
# test log-likelihood (nats/point), maf-fmnist test bits/dim (32 epochs, about an hour on 2 wasm threads). Extra
# flags through TRAIN_ARGS, e.g. make train-cgan TRAIN_ARGS="--epochs 5 --fresh"; Ctrl-C saves a checkpoint and
# TRAIN_ARGS=--resume continues it. make train: every listed model, one after another.
TRAIN_ARGS ?=
train-%: build
	@$(DGM) train --list --names | grep -qx '$*' || { echo "make train-$*: no model $* (dgm train --list: $$($(DGM) train --list --names | tr '\n' ' '))" >&2; exit 1; }
	$(DGM) train $* --backend $(BACKEND) $(TRAIN_ARGS)

train: build
	@for m in $$($(DGM) train --list --names); do $(DGM) train "$$m" --backend $(BACKEND) $(TRAIN_ARGS) || exit 1; done

# Every trained run under runs/ to models/<name>/ (ONNX files + card.json), each checked against tfjs in
# onnxruntime-node and by the ONNX checker; prints model, file, size and parity error.
export: build
	$(DGM) export

# Sample grids of every exported GAN and flow through onnxruntime-node into reports/samples/<model>.png (a class per
# column for conditional GANs; 2-D flows: samples over the density). SAMPLE_ARGS adds flags, e.g.
# SAMPLE_ARGS="--n 64 --seed 3 --label 7"; one model: dgm sample <model> --out grid.png (dgm sample --help). A card's
# "type" says what loads it; cards exported before that field say "family" (gan, maf), which is what it derives from.
SAMPLE_ARGS ?=
sample: build
	@mkdir -p reports/samples; found=0; \
	for card in models/*/card.json; do \
	  [ -f "$$card" ] && grep -Eq '"type": "(gan|flow)"|"family": "(gan|maf)"' "$$card" || continue; \
	  name=$$(basename "$$(dirname "$$card")"); found=1; \
	  $(DGM) sample "$$name" --out "reports/samples/$$name.png" $(SAMPLE_ARGS) || exit 1; \
	done; \
	[ $$found = 1 ] || { echo "make sample: no exported GAN or flow in models/ (make demo, or make train-<model> then make export)" >&2; exit 1; }

# The browser app on http://127.0.0.1:8080: GAN samples with a class picker, the moons flow's density, the
# log-likelihood of a test or drawn image; onnxruntime-web on WebGPU (else threaded wasm). /train/train.html trains
# the moons flow in the page (tfjs WebGPU or wasm) and exports it there with the project's exporter. SERVE_ARGS adds
# flags (--port, --models, --host: loopback unless told otherwise).
SERVE_ARGS ?=
serve: build
	$(DGM) serve $(SERVE_ARGS)

# One training step per backend (cpu, wasm 1 thread, wasm 2 threads, tensorflow when installed), then the speed
# targets on wasm: course GAN step <= 0.25 s (batch 64), MADE-784 step <= 0.15 s (batch 256). BENCH_ARGS adds flags
# (e.g. BENCH_ARGS=--profile for per-kernel times); TORCH_REFERENCE=<torch_reference.py> times PyTorch in the same
# run when /usr/bin/python3 has torch (Debian: python3-torch libopenblas0-openmp).
BENCH_ARGS ?=
TORCH_REFERENCE ?=
bench-backends: build
	$(DGM) bench backends $(if $(TORCH_REFERENCE),--torch-reference $(TORCH_REFERENCE)) $(BENCH_ARGS)

# Quality figures -> reports/eval.json + reports/eval.md (tables and sample grids): the classifier's test accuracy,
# FID-FMNIST / KID of each exported GAN (10000 samples vs the 10000 test images, with the real-train floor), class
# fidelity of cgan, test log-likelihood and bits/dim of the flows; models not exported are listed as not trained.
# eval-classifier trains (runs/classifier, 8 epochs; time: docs/benchmarks.md) and exports (models/classifier) the classifier whose
# penultimate layer is the feature space, when it is missing. EVAL_ARGS adds flags (dgm eval --help).
EVAL_ARGS ?=
eval-classifier: build
	@test -f models/classifier/model.onnx || { test -f runs/classifier/best.ckpt || $(DGM) train classifier --backend $(BACKEND); $(DGM) export classifier; }

eval: eval-classifier
	$(DGM) eval $(EVAL_ARGS)

# Speed -> reports/bench.json + reports/bench.md: images/s of the generators and MAF log_prob / sampler at batch
# 1..1024 on onnxruntime-node (1, 2 threads) and tfjs wasm, training steps/s of every model on every tfjs backend, and
# the targets against PyTorch timed in the same run by TORCH_REF (skipped with a message when the script or PyTorch is
# missing: make bench-deps installs PyTorch). SPEED_ARGS adds flags (dgm bench speed --help). Run time: docs/benchmarks.md.
TORCH_REF ?= ../shared/tools/torch_reference.py
SPEED_ARGS ?=
bench: build
	@if [ ! -f "$(TORCH_REF)" ]; then echo "make bench: $(TORCH_REF) not found (the PyTorch reference script lives in shared/tools beside the clone); no PyTorch columns" >&2; \
	 elif ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then echo "make bench: PyTorch is not installed for /usr/bin/python3 (make bench-deps); no PyTorch columns" >&2; fi
	$(DGM) bench speed $(shell [ -f "$(TORCH_REF)" ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && echo --torch-reference $(TORCH_REF)) $(SPEED_ARGS)
	$(DGM) bench convert $(CONVERT_BENCH_ARGS)  # a converted MobileNet-style net: onnxruntime-node vs tfjs wasm -> reports/bench-convert.md

# PyTorch for the side-by-side columns of make bench: Debian's python3-torch with the OpenMP build of OpenBLAS (the
# default reference BLAS is ~30x slower; the pthread build scales badly beside torch's own threads).
bench-deps:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y python3-torch libopenblas0-openmp

# GPU opt-in, never part of `make install`: @tensorflow/tfjs-node-gpu 4.22.0 (the `tensorflow` training backend; its
# install script downloads libtensorflow 2.9, built for CUDA 11.2 + cuDNN 8.1) and onnxruntime-node's CUDA 12
# execution provider (downloaded by its install script when ONNXRUNTIME_NODE_INSTALL=cuda12; .npmrc skips it
# otherwise). --no-save keeps package.json and the lock file as they are, so `npm ci` returns to the CPU-only tree.
# Without an NVIDIA driver or a CUDA runtime it stops before installing (or reinstalling) anything.
install-gpu:
	@command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 || { echo "make install-gpu: no NVIDIA GPU/driver here (nvidia-smi missing or failing); nothing installed, the CPU install is unchanged" >&2; exit 1; }
	@ldconfig -p 2>/dev/null | grep -q 'libcudart\.so' || { echo "make install-gpu: no CUDA runtime (libcudart) found by ldconfig; install CUDA 11.2 + cuDNN 8.1 (tfjs-node-gpu) and CUDA 12 (onnxruntime) first; nothing installed" >&2; exit 1; }
	$(MAKE) install
	npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0
	ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node
	@echo "make install-gpu: done; --backend auto now trains on tensorflow (tfjs-node-gpu)"

# The trained models the runtime package ships (runtime/models/ and its index.json), made anew: each trained from
# scratch on the embedded defaults on one wasm thread (two at a time), exported (ZOO_FLOAT16 with float16 weights:
# half the bytes, FID/KID/class fidelity unchanged to 0.03, docs/zoo.md), evaluated into reports/zoo/ and copied in.
# `dgm ship` says for each model whether its graphs came out byte-identical to the ones they replace. Which runs ship,
# and with which weights, is each run's `ships` in its family (dgm train --list --ships any); the eval classifier is
# the run of type classifier. Recursive (=) so that dgm is asked after `build`.
ZOO_FLOAT16 = $(shell $(DGM) train --list --names --ships float16)
ZOO_FLOAT32 = $(shell $(DGM) train --list --names --ships float32)
ZOO_CLASSIFIER = $(shell $(DGM) train --list --names --type classifier)
ZOO_RUNS := runs/zoo
ZOO_MODELS := models/zoo
comma := ,
empty :=
space := $(empty) $(empty)
zoo: install apt-deps build
	$(MAKE) -j2 $(addprefix zoo-train-,$(ZOO_FLOAT16) $(ZOO_FLOAT32) $(ZOO_CLASSIFIER))
	$(DGM) export $(addprefix $(ZOO_RUNS)/,$(ZOO_FLOAT16)) --weights float16 --out $(ZOO_MODELS)
	$(DGM) export $(addprefix $(ZOO_RUNS)/,$(ZOO_FLOAT32) $(ZOO_CLASSIFIER)) --out $(ZOO_MODELS)
	$(DGM) eval --models-dir $(ZOO_MODELS) --only $(subst $(space),$(comma),$(ZOO_FLOAT16) $(ZOO_FLOAT32)) --out reports/zoo
	$(DGM) ship $(ZOO_FLOAT16) $(ZOO_FLOAT32) --models-dir $(ZOO_MODELS) --eval reports/zoo/eval.json

zoo-train-%: build
	$(DGM) train $* --run-dir $(ZOO_RUNS)/$* --fresh --threads 1 --progress lines

# The runtime package's tarball (runtime/dgm-runtime-<version>.tgz): what `npm install <tarball>` gives an app.
pack: install
	cd runtime && npm pack

# GPU paths: adapters and drivers seen, training steps/s (course GAN, maf-fmnist step) on tfjs webgpu (and tensorflow
# when installed) beside wasm, generator images/s and MAF log_prob rows/s on onnxruntime-node webgpu (and cuda) beside
# cpu, each with parity against the CPU -> reports/gpu.md, reports/gpu.json. Installs nothing from npm; on a machine
# with an NVIDIA GPU but no Vulkan loader it installs Debian's libvulkan1 first. Without a GPU it runs on SwiftShader
# and says the figures are not GPU figures. GPU_CHECK_ARGS adds flags (dgm gpu-check --help).
GPU_CHECK_ARGS ?=
gpu-check: build
	@if command -v nvidia-smi >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && command -v apt-get >/dev/null 2>&1; then \
	  echo "make gpu-check: a GPU but no Vulkan loader: installing Debian's libvulkan1"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends libvulkan1 || echo "make gpu-check: libvulkan1 could not be installed; webgpu may find no adapter" >&2; \
	fi
	$(DGM) gpu-check $(GPU_CHECK_ARGS)

clean:
	rm -rf dist runtime/dist

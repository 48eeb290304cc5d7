# flame: see README.md. `make demo` and `make test` work on a fresh Debian machine with Swift.
SWIFT ?= swift
DEMO_INPUT ?= testdata/threads.perf.txt

.PHONY: deps build release demo demo-job test bench fuzz clean

deps:
	bash scripts/install-deps.sh

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product flame

demo: deps release
	.build/release/flame oncpu $(DEMO_INPUT) -o demo.svg --title "flame demo: $(notdir $(DEMO_INPUT))"
	@echo "open demo.svg in a browser"

# The daemon + CLI job (sccache's server and make), cold and hot cache, recorded and compared
# (see README, "The build-tool job"): .demo-job/{cold,hot,report}/. Needs root for perf.
demo-job: deps release
	bash scripts/demo-job.sh .build/release/flame

test: deps
	$(SWIFT) test

bench: deps release
	FLAME_BIN=.build/release/flame bash bench/run.sh

# libFuzzer targets (Fuzz/), each FUZZ_SECONDS; FUZZ_TARGETS="PerfData Folded" runs some.
# Crashes, hangs and inputs found go to .fuzz/<Target>/.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" bash scripts/fuzz.sh

clean:
	rm -rf .build demo.svg .demo-job

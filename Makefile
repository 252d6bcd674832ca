# CLM developer entry points. Everything runs on this machine: no Docker needed.
#   make run          setup, build, start everything, run the demo (system stays up)
#   make up / down    start / stop the local system
#   make test         setup, build with tests, PostgreSQL + broker, swift test
#                     (make test FILTER=Foo  ->  swift test --filter Foo; ARGS="..." adds more)
#   make bench        release build, whole system, clm-bench: throughput, latency, limits
#                     (BENCH_SCALE=1 BENCH_CONCURRENCY=50 BENCH_SCENARIOS=csr-ec-p256,...)
#   make fuzz         libFuzzer + address sanitizer on every parser of outside bytes, each for a while
#                     (FUZZ_SECONDS=30 FUZZ_TARGETS="csr pem ocsp json policy jws jwks"; decision 0022)
#   make clean-state  stop everything and drop logs and database data (keeps tools/secrets)
#   make format       apply .swift-format to every Swift file; make lint checks it (CI does)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
FILTER ?=
ARGS ?=
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?=

.PHONY: help setup build build-tests run up down status test bench fuzz clean-state format lint

SWIFT_SOURCES := Package.swift Services Shared Tests

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

build-tests: setup
	$(SWIFT) build --build-tests

up: build
	CLM_BIN_DIR="$$($(SWIFT) build --show-bin-path)" scripts/up.sh

run: up
	CLM_BIN_DIR="$$($(SWIFT) build --show-bin-path)" scripts/demo.sh

down:
	@scripts/down.sh

status:
	@scripts/status.sh

test: build-tests
	scripts/pg.sh start
	scripts/broker.sh start
	scripts/db-provision.sh clm
	CLM_TEST_BIN_DIR="$$($(SWIFT) build --show-bin-path)" \
		scripts/test.sh $(if $(FILTER),--filter '$(FILTER)') $(ARGS)

bench: setup
	$(SWIFT) build -c release
	scripts/bench.sh

fuzz: setup
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' scripts/fuzz.sh

clean-state:
	@scripts/clean-state.sh

format:
	$(SWIFT) format format --in-place --recursive --parallel $(SWIFT_SOURCES)

lint:
	$(SWIFT) format lint --strict --recursive --parallel $(SWIFT_SOURCES)

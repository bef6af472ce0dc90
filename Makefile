# Every target runs on Node 24 from .tools/ when the system Node is too old (see scripts/deps.sh).
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/node/bin:$(PATH)

.PHONY: deps build test lint bench demo clean

deps:
	@scripts/deps.sh

build: deps
	npm run build

test: build
	npm test

lint: deps
	npm run lint

bench: build
	npm run bench

demo: build
	node dist/cli.js demo

clean:
	rm -rf dist

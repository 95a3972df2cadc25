# The README's two commands: `make run` and `make test`. Both install what is missing first.
BUILD ?= build
DATA ?= data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test bench clean format

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/vigil init --data $(DATA)
	@./$(BUILD)/vigil demo --data $(DATA) --if-empty
	./$(BUILD)/vigil serve --data $(DATA) --listen $(LISTEN)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

bench: build
	@bash bench/run.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD)

# hybridpv: `make run` boots the guest to a shell, `make check` runs every test.
.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   := build
CC      ?= cc
CFLAGS  := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -pthread -MMD -MP
VMM_INC := -Ihost-vmm/include -Ihypercall-abi
KSFT    := $(BUILD)/linux/tools/testing/selftests

# C, and stubs.S: hypercall stub templates copied into the guest.
VMM_SRCS := $(shell find host-vmm \( -name '*.c' -o -name '*.S' \) -not -path '*/tests/*')
VMM_LIB_SRCS := $(filter-out host-vmm/main.c,$(VMM_SRCS))
VMM_OBJS := $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(basename $(VMM_SRCS))))
VMM_LIB_OBJS := $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(basename $(VMM_LIB_SRCS))))

HOST_TEST_SRCS := $(wildcard selftests/host/test_*.c)
HOST_TESTS := $(HOST_TEST_SRCS:selftests/host/%.c=$(BUILD)/host-tests/%)

# Sanitizer builds and the fuzz targets (docs/security.md): clang, with
# objects of their own in build/asan, build/tsan and build/fuzz. The host
# tests add -Wno-unused-parameter for the kselftest harness's TEST() macros.
SAN_CC       := clang-14
SAN_CFLAGS   := -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-pthread -MMD -MP
SAN_asan     := -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_tsan     := -fsanitize=thread
SAN_fuzz     := -O2 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-Iselftests/host
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
# make fuzz: every target until FUZZ_RUNS executions or FUZZ_SECONDS, FUZZ_JOBS
# at a time, the slowest first (an input of the VM targets costs a VM's
# set-up; the CLI's costs microseconds), so that the fast ones fill the time
# the slow ones leave: on 2 idle cores, about an hour with the builds.
FUZZ_SECONDS ?= 3000
FUZZ_RUNS    ?= 10000000
FUZZ_JOBS    ?= $(shell nproc)
FUZZ_ORDER   := fuzz_serial fuzz_io fuzz_hypercall fuzz_msr fuzz_boot fuzz_cli
FUZZ_QUEUE   := $(filter $(FUZZ_TARGETS),$(FUZZ_ORDER)) $(filter-out $(FUZZ_ORDER),$(FUZZ_TARGETS))

.PHONY: all vmm kernel initramfs deps run check check-host clean figures bench
all: vmm kernel initramfs

# Package installs (scripts/deps.sh): once per make run, before anything
# builds, for every goal given; the scripts make runs skip the steps done
# here (HPV_DEPS_DONE), and install their own when run by hand.
deps_all        := kernel vmm guest
deps_vmm        := vmm
deps_kernel     := kernel
deps_initramfs  := kernel guest
deps_check-host := kernel vmm
deps_run        := $(deps_all) nested
deps_check      := $(deps_all) nested fuzz
deps_figures    := $(deps_all) nested
deps_bench      := $(deps_all) nested bench
deps_hpv-asan   := vmm fuzz
deps_hpv-tsan   := vmm fuzz
deps_check-host-asan := kernel vmm fuzz
deps_check-host-tsan := kernel vmm fuzz
deps_fuzz       := kernel vmm fuzz
deps_fuzz-build := vmm fuzz
deps_fuzz-replay := vmm fuzz
DEPS := $(sort $(foreach g,$(or $(MAKECMDGOALS),all),$(or $(deps_$(g)),$(deps_all))))
export HPV_DEPS_DONE := $(DEPS)

deps:
	@HPV_DEPS_DONE= scripts/deps.sh $(DEPS)

vmm: $(BUILD)/hpv

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(VMM_INC) -c $< -o $@

$(BUILD)/obj/%.o: %.S | deps
	@mkdir -p $(dir $@)
	$(CC) -MMD -MP -D__ASSEMBLY__ $(VMM_INC) -c $< -o $@

$(BUILD)/hpv: $(VMM_OBJS)
	$(CC) $(CFLAGS) -o $@ $^

# The tests use the kernel tree's kselftest_harness.h.
$(BUILD)/host-tests/%: selftests/host/%.c $(VMM_LIB_OBJS) | kernel
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(VMM_INC) -isystem $(KSFT) -o $@ $< $(VMM_LIB_OBJS)

# kbuild decides what to rebuild; the script only re-patches/re-configures
# when the series or a fragment changed.
kernel: deps
	scripts/kernel.sh

initramfs: kernel
	scripts/initramfs.sh

# The guest series applied and built patch by patch in a tree of its own,
# each patch's bzImage then booted under hpv (TAP; about 15 minutes).
.PHONY: series-check
series-check: all
	scripts/series-build.sh --boot

# CMD goes to the guest as typed: unexpanded by make, single-quoted for the shell.
run: all
	scripts/run.sh $(if $(value CMD),--cmd '$(subst ','\'',$(value CMD))') \
		$(if $(CPUS),--cpus $(CPUS)) $(if $(MEM),--mem $(MEM)) $(if $(MMU),--mmu $(MMU))

# the host unit tests alone (seconds; make check runs them first)
check-host: $(BUILD)/hpv $(HOST_TESTS)
	@fail=0; for t in $(HOST_TESTS); do $$t || fail=1; done; exit $$fail

# (its output is one TAP stream: the command line is not echoed into it)
# Besides the plain build: the ASan+UBSan hpv and host tests, the fuzz
# targets (their corpora are replayed), the hostile guest's image.
check: all $(HOST_TESTS) check-builds
	@scripts/check.sh $(HOST_TESTS)

figures: all
	scripts/figures.sh

# Benchmarks, not tests: they print what they measure (docs/bench.md).
# BENCH_ARGS passes options, e.g. BENCH_ARGS='--configs native,kvm-pv' or
# BENCH_ARGS='--sections overcommit'.
bench: all
	scripts/bench.sh $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/host-tests $(BUILD)/hpv $(BUILD)/guest $(BUILD)/bzImage \
		$(BUILD)/*.cpio.gz $(BUILD)/nested
	@echo "kept $(BUILD)/linux (the kernel tree); rm -rf $(BUILD) removes everything"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The hostile guest (selftests/hostile, docs/security.md): a freestanding
# bzImage that attacks hpv from every vCPU. make fuzz-guest SEEDS=N runs
# seeds 1..N (FIRST=F: F..F+N-1), each checked by scripts/hostile-guest.sh.
HOSTILE_SRCS := $(wildcard selftests/hostile/*.c selftests/hostile/*.S)
HOSTILE_OBJS := $(patsubst selftests/hostile/%,$(BUILD)/hostile/obj/%.o,$(basename $(HOSTILE_SRCS)))
HOSTILE_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -MMD -MP -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -Ihypercall-abi -Iselftests/hostile

.PHONY: hostile fuzz-guest clean-hostile
hostile: $(BUILD)/hostile/bzImage

$(BUILD)/hostile/obj/%.o: selftests/hostile/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(HOSTILE_CFLAGS) -c $< -o $@

$(BUILD)/hostile/obj/%.o: selftests/hostile/%.S | deps
	@mkdir -p $(dir $@)
	$(CC) -MMD -MP -Ihypercall-abi -Iselftests/hostile -c $< -o $@

# no libc; libgcc for the 128-bit division
$(BUILD)/hostile/bzImage: selftests/hostile/hostile.lds $(HOSTILE_OBJS)
	$(CC) -nostdlib -static -no-pie -Wl,-T,$< -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
		-o $(BUILD)/hostile/hostile.elf $(HOSTILE_OBJS) -lgcc
	objcopy -O binary $(BUILD)/hostile/hostile.elf $@

fuzz-guest: all $(BUILD)/hostile/bzImage
	scripts/hostile-guest.sh $(or $(FIRST),1)..$$(( $(or $(FIRST),1) + $(or $(SEEDS),100) - 1 ))

clean: clean-hostile
clean-hostile:
	rm -rf $(BUILD)/hostile

-include $(wildcard $(BUILD)/hostile/obj/*.d)

# -- Sanitizer builds and fuzzing (fuzz/, docs/security.md) --
# build/asan/hpv and build/tsan/hpv take build/hpv's command line; a
# sanitizer report ends them with status 99 (fuzz/san_options.c).
.PHONY: hpv-asan hpv-tsan check-host-asan check-host-tsan fuzz-build fuzz fuzz-replay clean-san
san_objs = $(addprefix $(BUILD)/$(1)/obj/,$(addsuffix .o,$(basename $(2))))
san_tests = $(HOST_TEST_SRCS:selftests/host/%.c=$(BUILD)/$(1)/host-tests/%)
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

define san_objs_rules
$(BUILD)/$(1)/obj/%.o: %.c | deps
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_CFLAGS) $$(SAN_$(1)) $$(VMM_INC) -c $$< -o $$@

$(BUILD)/$(1)/obj/%.o: %.S | deps
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) -MMD -MP -D__ASSEMBLY__ $$(VMM_INC) -c $$< -o $$@
endef

define san_bin_rules
$(BUILD)/$(1)/hpv: $(call san_objs,$(1),$(VMM_SRCS) fuzz/san_options.c)
	$$(SAN_CC) $$(SAN_CFLAGS) $$(SAN_$(1)) -o $$@ $$^

$(call san_tests,$(1)): $(BUILD)/$(1)/host-tests/%: selftests/host/%.c \
		$(call san_objs,$(1),$(VMM_LIB_SRCS) fuzz/san_options.c) | $(KSFT)/kselftest_harness.h
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_CFLAGS) -Wno-unused-parameter $$(SAN_$(1)) $$(VMM_INC) -isystem $$(KSFT) \
		-o $$@ $$< $(call san_objs,$(1),$(VMM_LIB_SRCS) fuzz/san_options.c)

check-host-$(1): $(BUILD)/$(1)/hpv $(call san_tests,$(1))
	@fail=0; for t in $(call san_tests,$(1)); do $$$$t || fail=1; done; exit $$$$fail
endef
$(foreach v,asan tsan fuzz,$(eval $(call san_objs_rules,$(v))))
$(foreach v,asan tsan,$(eval $(call san_bin_rules,$(v))))

hpv-asan: $(BUILD)/asan/hpv

.PHONY: check-builds
check-builds: $(BUILD)/asan/hpv $(call san_tests,asan) $(FUZZ_BINS) $(BUILD)/hostile/bzImage
hpv-tsan: $(BUILD)/tsan/hpv

# (the harness comes with the kernel tree; built only where it is missing)
$(KSFT)/kselftest_harness.h:
	$(MAKE) kernel

$(FUZZ_BINS): $(BUILD)/fuzz/%: fuzz/%.c $(call san_objs,fuzz,$(VMM_LIB_SRCS) fuzz/fake_kvm.c)
	$(SAN_CC) $(SAN_CFLAGS) $(SAN_fuzz) -fsanitize=fuzzer $(VMM_INC) -o $@ $< \
		$(call san_objs,fuzz,$(VMM_LIB_SRCS) fuzz/fake_kvm.c)

fuzz-build: $(FUZZ_BINS)

# the sanitized host tests first
fuzz: fuzz-build check-host-asan check-host-tsan
	scripts/fuzz.sh run --seconds $(FUZZ_SECONDS) --runs $(FUZZ_RUNS) --jobs $(FUZZ_JOBS) $(FUZZ_QUEUE)

# each corpus and regression input once, as TAP (for make check)
fuzz-replay: fuzz-build
	@scripts/fuzz.sh replay $(FUZZ_TARGETS)

clean: clean-san
clean-san:
	rm -rf $(BUILD)/asan $(BUILD)/tsan $(BUILD)/fuzz

-include $(shell find $(BUILD)/asan $(BUILD)/tsan $(BUILD)/fuzz -name '*.d' 2>/dev/null)

# skolnav front door. `make demo` and `make check` work on a fresh Debian 12
# machine: scripts/deps installs whatever is missing first.

PORT ?= 8080
# INGEST_PORT=8081 also serves the push ingest API (off by default)
INGEST_PORT ?=
SEED ?= 1
DEMO_DB ?= var/mittkoping.db
FUZZ_SECONDS ?= 10
PYTHON := /usr/bin/python3
MESON_FLAGS := --buildtype=debugoptimized

# Tests that need PostgreSQL get a throwaway cluster from tests/with-pg
# unless one is given in SKOLNAV_TEST_PG (`make check` starts one for all).
WITH_PG = $(if $(SKOLNAV_TEST_PG),,tests/with-pg)

.PHONY: all build asan deps demo check unit api api-pg browser fuzz fuzz-short bench clean

all: build

deps:
	@scripts/deps build

build: deps
	@test -f build/build.ninja || meson setup build $(MESON_FLAGS) >/dev/null
	@ninja -C build --quiet

asan: deps
	@test -f build-asan/build.ninja || meson setup build-asan $(MESON_FLAGS) \
	  -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build-asan --quiet

demo: build
	@mkdir -p $(dir $(DEMO_DB))
	@build/skolnav demo --db $(DEMO_DB) --seed $(SEED) --force
	@build/skolnav admin settings --db $(DEMO_DB) --cookie-secure off >/dev/null
	@KEY=$$(build/skolnav client add --db $(DEMO_DB) "Demo vendor" --full-access | tail -n 1); \
	ADMINPW=$$(build/skolnav admin add --db $(DEMO_DB) admin --role administrator | tail -n 1); \
	echo; \
	echo "skolnav serves the Mittköping demo:"; \
	echo "  API base URL:  http://127.0.0.1:$(PORT)/v2.0"; \
	echo "  OpenAPI:       http://127.0.0.1:$(PORT)/v2.0/openapi.json"; \
	echo "  API key:       $$KEY"; \
	echo "  try:           curl -H 'Authorization: Bearer $$KEY' 'http://127.0.0.1:$(PORT)/v2.0/organisations?limit=5&expandReferenceNames=true'"; \
	echo "  admin UI:      http://127.0.0.1:$(PORT)/admin"; \
	echo "  admin user:    admin"; \
	echo "  admin password: $$ADMINPW"; \
	echo "  stop with Ctrl-C"; \
	echo; \
	exec build/skolnav serve --db $(DEMO_DB) --listen 127.0.0.1:$(PORT) \
	  $(if $(INGEST_PORT),--ingest-listen 127.0.0.1:$(INGEST_PORT))

check:
	@scripts/deps test
	@$(MAKE) --no-print-directory build asan
	@# a build directory set up by `make demo` before cmocka was installed has no
	@# unit tests; `enabled` makes a cmocka that is still missing an error, not an empty run
	@for d in build build-asan; do grep -q test_model $$d/build.ninja || \
	  { meson setup --reconfigure -Dtests=enabled $$d >/dev/null && ninja -C $$d --quiet; } || exit 1; done
	@# two cores: the suites run side by side, each one's output printed whole
	@tests/with-pg $(MAKE) --no-print-directory -j2 --output-sync=target unit api api-pg
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory fuzz-short

# The store tests run on SQLite and on PostgreSQL in both builds.
unit:
	@echo "== unit tests (normal build; store on SQLite and PostgreSQL)"
	@$(WITH_PG) meson test -C build --print-errorlogs -q
	@echo "== unit tests (ASan+UBSan build; store on SQLite and PostgreSQL)"
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(WITH_PG) meson test -C build-asan --print-errorlogs -q

api:
	@echo "== API tests on SQLite (ASan+UBSan server)"
	@SKOLNAV_BIN=$(CURDIR)/build-asan/skolnav ASAN_OPTIONS=detect_leaks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(WITH_PG) $(PYTHON) -m pytest tests/api -q -p no:cacheprovider
	@# the sanitizer's shadow memory hides the server's own: the 100 MB push
	@# and its memory bounds need the normal build
	@echo "== 100 MB push on SQLite (normal build)"
	@SKOLNAV_BIN=$(CURDIR)/build/skolnav $(WITH_PG) $(PYTHON) -m pytest tests/api/test_ingest_large.py -q -p no:cacheprovider

# The same suite on PostgreSQL, with the normal build to keep `make check`
# within its time on two cores (the ASan build covers the same C code above).
api-pg:
	@echo "== API tests on PostgreSQL (normal build)"
	@SKOLNAV_TEST_BACKEND=postgresql SKOLNAV_BIN=$(CURDIR)/build/skolnav \
	  $(WITH_PG) $(PYTHON) -m pytest tests/api -q -p no:cacheprovider

# The admin pages in Debian's chromium (playwright-core), against a real
# server with the demo; screenshots of every screen in tests/browser/artifacts/.
browser: build
	@scripts/deps browser
	@echo "== browser tests (admin pages, headless chromium)"
	@cd tests/browser && SKOLNAV_BIN=$(CURDIR)/build/skolnav node --test --test-concurrency=1 admin.test.mjs

fuzz-short:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

fuzz:
	@FUZZ_SECONDS=600 tests/fuzz/run

bench: build
	@scripts/deps bench
	@bench/run

clean:
	rm -rf build build-asan build-fuzz

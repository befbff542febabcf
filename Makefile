# segur: make build, make test, make run. Everything a fresh machine needs is
# installed by these targets (Go modules from the module proxy).
GO          ?= go
TOOLS       := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
EXAMPLE     := hop/testdata/JSON-1234567890-20211025-001

.PHONY: build test vet staticcheck unit run check-example bench bench-processus bench-build charge release bench-document bench-portail bench-file fuzz clean

# A static binary (no C library): it starts faster and in less memory, and
# runs on any Linux of its architecture, whatever its glibc.
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -o bin/segur ./cmd/segur

test: vet staticcheck unit

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt : fichiers à formater :"; gofmt -l .; exit 1; }
	$(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# The tests, with a throwaway PostgreSQL 15 (installed if missing, as
# root), a throwaway S3 server (versitygw, built with go install), a
# throwaway SMTP server (mailpit, built with go install), a throwaway
# ClamAV daemon (scripts/clamav.sh, with test signatures only), the
# example OpenID Connect provider of zitadel/oidc (scripts/oidc.sh, built
# with go install), the DSFR
# and axe-core from npm (scripts/dsfr.sh), Debian's Chromium
# (scripts/chromium.sh), poppler-utils (scripts/poppler.sh, pdftotext for
# the documents), libxml2-utils (scripts/xmllint.sh, the SEPA files
# against their XSD), podman and runc (scripts/podman.sh, the container
# image) and LibreOffice Calc (scripts/libreoffice.sh, the XLSX
# files in a real spreadsheet). The end-to-end package runs real servers
# by the dozen and Chromium: go test's default of 10 minutes per package is
# too short on a loaded 2-core machine, hence -timeout 30m. The suites that
# need the services above are skipped
# without them, or fail when CI=true.
unit:
	@trap 'exit 130' INT TERM; stop=; manque=; \
	if pg=$$(scripts/postgres.sh); then \
		eval "$$pg"; stop="scripts/postgres.sh stop '$$SEGUR_TEST_POSTGRES_DIR';"; trap "$$stop" EXIT; \
	else \
		echo "PostgreSQL indisponible : sa suite de tests sera sautée (échec si CI=true)." >&2; \
		manque="$$manque|PostgreSQL : la suite de la base sur PostgreSQL, les deux serveurs sur une base (scripts/postgres.sh)"; \
	fi; \
	if s3=$$(scripts/versitygw.sh); then \
		eval "$$s3"; stop="$$stop scripts/versitygw.sh stop '$$SEGUR_TEST_S3_DIR';"; trap "$$stop" EXIT; \
	else \
		echo "Serveur S3 (versitygw) indisponible : ses tests seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|serveur S3 (versitygw) : le stockage des fichiers sur S3 (scripts/versitygw.sh)"; \
	fi; \
	if mp=$$(scripts/mailpit.sh); then \
		eval "$$mp"; stop="$$stop scripts/mailpit.sh stop '$$SEGUR_TEST_MAILPIT_DIR';"; trap "$$stop" EXIT; \
	else \
		echo "Serveur SMTP de test (mailpit) indisponible : les tests d'envoi des courriels seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|serveur SMTP (mailpit) : l'envoi des courriels (scripts/mailpit.sh)"; \
	fi; \
	if oi=$$(scripts/oidc.sh); then \
		eval "$$oi"; stop="$$stop scripts/oidc.sh stop '$$SEGUR_TEST_OIDC_DIR';"; trap "$$stop" EXIT; \
	else \
		echo "Fournisseur OpenID Connect de test (exemple de zitadel/oidc) indisponible : les tests de la connexion par ProConnect seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|fournisseur OpenID Connect : la connexion des agents par ProConnect (scripts/oidc.sh)"; \
	fi; \
	if cv=$$(scripts/clamav.sh); then \
		eval "$$cv"; stop="$$stop scripts/clamav.sh stop '$$SEGUR_TEST_CLAMAV_DIR';"; trap "$$stop" EXIT; \
	else \
		echo "Antivirus de test (clamd) indisponible : les tests de l'analyse antivirus seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|antivirus (clamd) : l'analyse des pièces jointes (scripts/clamav.sh)"; \
	fi; \
	if dsfr=$$(scripts/dsfr.sh); then \
		eval "$$dsfr"; \
	else \
		echo "DSFR et axe-core indisponibles (npm) : les tests d'accessibilité seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|DSFR et axe-core : l'accessibilité et les parcours du portail de démonstration (scripts/dsfr.sh)"; \
	fi; \
	if chromium=$$(scripts/chromium.sh); then \
		eval "$$chromium"; \
	else \
		echo "Chromium indisponible : les tests dans le navigateur seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|Chromium : les parcours dans le navigateur (scripts/chromium.sh)"; \
	fi; \
	if poppler=$$(scripts/poppler.sh); then \
		eval "$$poppler"; \
	else \
		echo "pdftotext (poppler-utils) indisponible : les tests des documents PDF seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|pdftotext (poppler-utils) : la lecture des documents PDF (scripts/poppler.sh)"; \
	fi; \
	if xl=$$(scripts/xmllint.sh); then \
		eval "$$xl"; \
	else \
		echo "xmllint (libxml2-utils) indisponible : les tests des virements SEPA seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|xmllint (libxml2-utils) : les virements SEPA contre leur schéma (scripts/xmllint.sh)"; \
	fi; \
	if lo=$$(scripts/libreoffice.sh); then \
		eval "$$lo"; \
	else \
		echo "LibreOffice (libreoffice-calc-nogui) indisponible : les tests des classeurs XLSX dans un vrai tableur seront sautés (échec si CI=true)." >&2; \
		manque="$$manque|LibreOffice : les classeurs XLSX dans un vrai tableur (scripts/libreoffice.sh)"; \
	fi; \
	if pm=$$(scripts/podman.sh); then \
		eval "$$pm"; \
	else \
		echo "podman indisponible : le test de l'image de conteneur sera sauté (échec si CI=true)." >&2; \
		manque="$$manque|podman : l'image de conteneur et le guide « Avec un conteneur » (scripts/podman.sh)"; \
	fi; \
	status=0; $(GO) test -count=1 -timeout 30m ./... || status=$$?; \
	if [ -n "$$manque" ]; then \
		if [ "$$CI" = true ]; then \
			echo "Services indisponibles : avec CI=true, leurs suites ont échoué au lieu d'être sautées :" >&2; \
		else \
			echo "Suites SAUTÉES, faute de leur service : ces tests n'ont pas été joués (voir le début de la sortie) :" >&2; \
		fi; \
		echo "$$manque" | tr '|' '\n' | sed -e '/^$$/d' -e 's/^/  - /' >&2; \
	fi; \
	exit $$status

# The portal with its demo data, in ./segur-data, its pages styled by the
# DSFR fetched from npm into web/dsfr (never committed).
run: build
	scripts/dsfr.sh >/dev/null
	bin/segur serve --demo

# The document's example checked offline.
check-example: build
	bin/segur check --date 20211025 --pieces $(EXAMPLE).zip $(EXAMPLE).json

# In-process: the check of a 200-request file beside json.Valid on the same
# bytes (package hop).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./hop/

# Whole processes, as a vendor runs them: segur check of a 200-request file
# (and with its 200 Mo zip) beside a process that reads the file and runs
# json.Valid once, in turn; peak resident memory by /usr/bin/time.
bench-processus:
	$(GO) test -run '^$$' -bench Processus -benchtime 100x -count 3 ./cmd/segur/

# segur build of a 10 000-row order book: in process and as a whole
# process, each beside the in-process check of the 50 files it writes.
bench-build:
	$(GO) test -run '^$$' -bench Build10000 -benchtime 5x -count 3 ./internal/cli/ ./cmd/segur/

# The attacks of issue 14 together, for a minute, against a real demo
# portal: prints the server's memory, descriptors, data folder and /healthz
# latency, and what became of each attack.
charge: build
	$(GO) run ./internal/segurtest/charge -bin bin/segur -duree 60s

bench-document:
	$(GO) test -run '^$$' -bench BenchmarkEcrire -benchmem -count 6 ./internal/document/

bench-portail:
	$(GO) test -run '^$$' -bench BenchmarkDepot -benchtime 100x -count 3 ./internal/api/

# The agents' pages (the queue's tabs, a search, filters, a request, the
# deposits) on generated programmes of 2 000 and 100 000 requests, on
# SQLite and, with SEGUR_TEST_POSTGRES_DSN (scripts/postgres.sh), on
# PostgreSQL, each through a real segur serve: a Markdown table on stdout.
# BANC adds options (e.g. BANC='-dossier /tmp/banc' keeps the bases).
bench-file: build
	$(GO) build -o bin/programme ./internal/segurtest/programme
	$(GO) run ./internal/segurtest/bancfile -bin bin/segur -programme bin/programme $(BANC)

fuzz:
	$(GO) test -run '^$$' -fuzz 'FuzzControler$$' -fuzztime 10m ./hop/
	$(GO) test -run '^$$' -fuzz FuzzControlerSolde -fuzztime 10m ./hop/
	$(GO) test -run '^$$' -fuzz FuzzArchive -fuzztime 10m ./hop/
	$(GO) test -run '^$$' -fuzz FuzzLireDonnees -fuzztime 10m ./internal/sqlstore/

# The binaries vendors and the agency download: pure Go (CGO_ENABLED=0),
# for Linux (amd64, arm64), Windows and macOS (amd64, arm64), with the
# version and commit segur --version shows, and their SHA256SUMS.
RELEASE_TARGETS := linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64
release:
	rm -rf dist && mkdir -p dist
	for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
		echo "segur-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -buildvcs=auto -trimpath -o dist/segur-$$os-$$arch$$ext ./cmd/segur || exit 1; \
	done
	cd dist && sha256sum segur-* > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf bin dist .tools

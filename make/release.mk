# The release: the container image, built without Docker by hack/release
# (go-containerregistry, pinned in go.mod), the ballast binaries for every
# platform with their SBOMs, archives and checksums, the krew plugin
# manifest and the packaged chart, all into DIST_DIR; and actionlint for the
# GitHub Actions workflows (.github/workflows). See docs/release.md.

##@ Release

DIST_DIR ?= dist
# The build's time, stamped into the binaries and every timestamp of the
# image: the commit's, so that the same commit gives the same bytes and
# the same image digest on any machine.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
RELEASE_COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The binaries' platforms, those of the krew manifest template
# (hack/release/krew); the image's are PLATFORMS (make/chart.mk).
BINARY_PLATFORMS  ?= linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64
# `go run` rather than a binary in bin/, which several work trees share:
# the build cache makes it cheap, and each tree runs its own code.
RELEASE       = $(GO) run ./hack/release
RELEASE_FLAGS = -go $(GO) -version $(VERSION) -commit $(RELEASE_COMMIT) -source-date-epoch $(SOURCE_DATE_EPOCH) \
	-out $(DIST_DIR) -platforms $(BINARY_PLATFORMS) -image-platforms $(PLATFORMS)

# actionlint, built from its Go module into bin/ by `make actionlint`;
# `make lint` runs it on .github/workflows.
ACTIONLINT_VERSION ?= v1.7.12
ACTIONLINT ?= $(LOCALBIN)/actionlint

.PHONY: image
image: ## Build the image for PLATFORMS into DIST_DIR/image (an OCI layout, SBOMs attached) without Docker; print its digest.
	$(RELEASE) image $(RELEASE_FLAGS)

.PHONY: image-push
image-push: ## Push DIST_DIR/image and its SBOMs to IMG (credentials from the Docker config); print the reference by digest.
	$(RELEASE) push -out $(DIST_DIR) -version $(VERSION) -tag $(IMG)

.PHONY: release-dry-run
release-dry-run: helm ## Build everything a release publishes into DIST_DIR (binaries, archives, SBOMs, checksums, krew manifest, image, chart); publish nothing.
	rm -rf $(DIST_DIR)
	mkdir -p $(DIST_DIR)
	@# A tag vX.Y.Z packages chart version X.Y.Z with appVersion vX.Y.Z;
	@# any other VERSION keeps Chart.yaml's.
	if [[ "$(VERSION)" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$$ ]]; then \
		$(HELM) package $(CHART_DIR) -d $(DIST_DIR) --version $(VERSION:v%=%) --app-version $(VERSION); \
	else \
		$(HELM) package $(CHART_DIR) -d $(DIST_DIR); \
	fi
	$(RELEASE) dist $(RELEASE_FLAGS)
	cd $(DIST_DIR) && sha256sum -c --quiet checksums.txt

.PHONY: actionlint
actionlint: ## Build actionlint into bin/actionlint-<ACTIONLINT_VERSION>, linked as bin/actionlint.
	$(call go-install-tool,$(ACTIONLINT),github.com/rhysd/actionlint/cmd/actionlint,$(ACTIONLINT_VERSION))

# actionlint runs shellcheck and pyflakes on the run: scripts only when it
# finds them on PATH; they are turned off so that the answer is the same on
# every machine (GitHub's runners have shellcheck, a machine with only Go
# does not).
.PHONY: lint-workflows
lint-workflows: actionlint ## Check the GitHub Actions workflows with actionlint.
	$(ACTIONLINT) -shellcheck= -pyflakes=

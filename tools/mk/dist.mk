# make dist: the release artifacts in dist/ (tools/dist.sh): the .deb, the
# Windows zip (candor.exe + man page as text), the source tarball of HEAD,
# and SHA256SUMS.
.PHONY: dist

dist: build
	@sh tools/dist.sh $(BUILD)

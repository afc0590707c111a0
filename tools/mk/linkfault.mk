# make linkfault: the link-fault family alone (ctest -L linkfault, also part
# of `make test`): every link fault at every frame, SIGKILL at every
# store-then-ack step, the strace durability order and damaged stores.
# Shows each part's line and the family's summary line
#   linkfault: N fault points, 0 lost, 0 duplicated
.PHONY: linkfault

linkfault: build
	@cd $(BUILD) && ctest -L linkfault -j2 -V >linkfault.log 2>&1; rc=$$?; \
	grep -E '^[0-9]+: (linkfault|durability order|ok:|PROBLEM|FAIL)' linkfault.log | sed 's/^[0-9]*: //'; \
	grep -E 'tests passed|tests failed' linkfault.log; exit $$rc

# The two commands: `make run` and `make test`. Each sets up what is missing first.
.PHONY: run test setup bench clean-db

setup:
	@bash scripts/bootstrap.sh

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

bench:
	@bash tests/bench/run.sh

clean-db:
	@bash -c 'source scripts/odoo_env.sh && dropdb --if-exists g2p_demo && echo dropped g2p_demo'

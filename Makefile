# The two commands: `make run` and `make test`. Each sets up what is missing first.
.PHONY: run test setup lint bench fuzz clean-db pot screenshots replica-test cluster

setup:
	@bash scripts/bootstrap.sh

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

# a streaming replica beside the private cluster, Odoo reading from it, and the test of what it serves
# (scripts/replica_test.sh; docs/deployment.md)
replica-test:
	@bash scripts/replica_test.sh

# the deployment topology of docs/deployment.md on this machine (nginx, two HTTP nodes, the job-runner
# node, primary + streaming replica), a mixed load with one HTTP node stopped in the middle, and the
# checks that nothing was lost (scripts/cluster.sh, tests/bench/cluster.py)
cluster:
	@bash scripts/cluster.sh

# ruff, pylint-odoo (OCA's mandatory checks), OCA's module checks, prettier for XML, ... (.pre-commit-config.yaml)
lint:
	@bash scripts/lint.sh

bench:
	@bash tests/bench/run.sh

# the property-based suite of tests/g2p_suite_tests with many more examples than `make test`
fuzz:
	@G2P_FUZZ_EXAMPLES=$${G2P_FUZZ_EXAMPLES:-500} G2P_TEST_MODULES=g2p_suite_tests G2P_TEST_TAGS=/g2p_suite_tests bash scripts/test.sh

clean-db:
	@bash -c 'source scripts/odoo_env.sh && dropdb --if-exists g2p_demo && echo dropped g2p_demo'

# i18n/<addon>.pot of each addon from Odoo's export, the .po files merged with them; then lists the
# terms left to translate (scripts/po_untranslated.py)
pot:
	@bash scripts/export_pot.sh

# the pictures of the addons' Apps pages (readme/APPS.md), taken in Chromium on the demo data
screenshots:
	@G2P_SCREENSHOTS=1 G2P_TEST_MODULES=g2p_suite_tests G2P_TEST_TAGS=g2p_screenshots bash scripts/test.sh

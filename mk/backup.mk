.PHONY: backup restore
# Backups of the database (embedded PostgreSQL unless DATABASE_URL is set): pg_dump -Fc with the client tools that
# match the server, a timestamped file under var/backups/ with its .sha256. See docs/operations.md.
#   make backup
#   make restore FILE=var/backups/coalition-....dump [DB=name] [FORCE=1]
backup: $(VENV)/.runtime
	@$(DEVSERVICES) $(PY) -m coalition.backup backup

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/<name>.dump [DB=database] [FORCE=1]"; exit 2; }
	@$(DEVSERVICES) $(PY) -m coalition.backup restore "$(FILE)" $(if $(DB),--database "$(DB)") $(if $(filter 1 yes true,$(FORCE)),--force)

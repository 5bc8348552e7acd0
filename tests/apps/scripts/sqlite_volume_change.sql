-- The second run of apps.sqlite3.volume (sqlite_volume.sh), after sqlite_volume_query.sql
-- on the restarted VM: changes made through the other journal modes (TRUNCATE, PERSIST,
-- and a write-ahead log kept in the process, locking_mode EXCLUSIVE, since shared writable
-- mappings of disk files are not done), a VACUUM that rewrites the whole file and makes it
-- shorter, then back to DELETE so the image holds the database alone.
.bail on
.headers on
.mode list
PRAGMA journal_mode = TRUNCATE;
UPDATE items SET amount = amount * 2 WHERE grp = 7;
DELETE FROM items WHERE id BETWEEN 2000 AND 2999;
PRAGMA journal_mode = PERSIST;
INSERT INTO items SELECT id + 20000, 'copy-' || name, grp, amount, 'copied' FROM items WHERE id % 9 = 0;
PRAGMA journal_mode = DELETE;
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA journal_mode = WAL;
BEGIN;
DELETE FROM blobs WHERE id > 40;
UPDATE items SET note = 'wal' WHERE id % 100 = 1;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA journal_mode = DELETE;
PRAGMA locking_mode = NORMAL;
PRAGMA page_count;
VACUUM;
PRAGMA page_count;
PRAGMA integrity_check;

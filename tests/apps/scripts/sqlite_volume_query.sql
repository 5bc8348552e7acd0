-- Read-only questions to the database of apps.sqlite3.volume (sqlite_volume.sh), asked in
-- a VM started again on the volume and of the file the host copies out of the image.
.bail on
.headers on
.mode list
PRAGMA integrity_check;
SELECT COUNT(*) AS items, SUM(amount) AS total, MIN(id) AS first, MAX(id) AS last,
       COUNT(note) AS noted, printf('%.3f', AVG(amount)) AS mean FROM items;
SELECT grp, COUNT(*) AS n, SUM(amount) AS total, MAX(name) AS last_name FROM items GROUP BY grp ORDER BY grp;
SELECT note, COUNT(*) AS n FROM items GROUP BY note ORDER BY note;
SELECT id, name, amount FROM items INDEXED BY items_by_grp WHERE grp = 5 AND amount > 9990 ORDER BY amount, id;
SELECT COUNT(*) AS blobs, SUM(length(body)) AS bytes, group_concat(id, ',') AS ids FROM blobs;
SELECT id, length(body) AS len, hex(substr(body, length(body) - 1)) AS tail FROM blobs WHERE id IN (1, 7, 30, 59, 60);
SELECT name FROM sqlite_schema ORDER BY name;

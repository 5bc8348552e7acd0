-- The first run of apps.sqlite3.volume (sqlite_volume.sh): a database on an ext4 volume
-- filled in many commits, each of which creates, writes, fsyncs and deletes the rollback
-- journal beside the database: ten transactions of 1,000 rows, 100 rows committed one by
-- one, an index, rows with values that spill onto overflow pages, updates, deletes and a
-- rollback. What it prints is compared with the same script on the host.
.bail on
.headers on
.mode list
PRAGMA journal_mode = DELETE;

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    grp INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    note TEXT
);
CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL);

-- 10,000 rows, 1,000 per transaction.
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 2001 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 3001 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 4001 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 5001 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 6001 UNION ALL SELECT i + 1 FROM n WHERE i < 7000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 7001 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 8001 UNION ALL SELECT i + 1 FROM n WHERE i < 9000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 9001 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO items SELECT i, printf('item-%05d', i), i % 17, (i * 7919) % 10007, NULL FROM n;
COMMIT;
-- 100 rows, each its own transaction (a journal made and deleted for each).
INSERT INTO items VALUES (10001, 'single-10001', 5, 31, 'one by one');
INSERT INTO items VALUES (10002, 'single-10002', 6, 62, 'one by one');
INSERT INTO items VALUES (10003, 'single-10003', 7, 93, 'one by one');
INSERT INTO items VALUES (10004, 'single-10004', 8, 124, 'one by one');
INSERT INTO items VALUES (10005, 'single-10005', 9, 155, 'one by one');
INSERT INTO items VALUES (10006, 'single-10006', 10, 186, 'one by one');
INSERT INTO items VALUES (10007, 'single-10007', 11, 217, 'one by one');
INSERT INTO items VALUES (10008, 'single-10008', 12, 248, 'one by one');
INSERT INTO items VALUES (10009, 'single-10009', 13, 279, 'one by one');
INSERT INTO items VALUES (10010, 'single-10010', 14, 310, 'one by one');
INSERT INTO items VALUES (10011, 'single-10011', 15, 341, 'one by one');
INSERT INTO items VALUES (10012, 'single-10012', 16, 372, 'one by one');
INSERT INTO items VALUES (10013, 'single-10013', 0, 403, 'one by one');
INSERT INTO items VALUES (10014, 'single-10014', 1, 434, 'one by one');
INSERT INTO items VALUES (10015, 'single-10015', 2, 465, 'one by one');
INSERT INTO items VALUES (10016, 'single-10016', 3, 496, 'one by one');
INSERT INTO items VALUES (10017, 'single-10017', 4, 527, 'one by one');
INSERT INTO items VALUES (10018, 'single-10018', 5, 558, 'one by one');
INSERT INTO items VALUES (10019, 'single-10019', 6, 589, 'one by one');
INSERT INTO items VALUES (10020, 'single-10020', 7, 620, 'one by one');
INSERT INTO items VALUES (10021, 'single-10021', 8, 651, 'one by one');
INSERT INTO items VALUES (10022, 'single-10022', 9, 682, 'one by one');
INSERT INTO items VALUES (10023, 'single-10023', 10, 713, 'one by one');
INSERT INTO items VALUES (10024, 'single-10024', 11, 744, 'one by one');
INSERT INTO items VALUES (10025, 'single-10025', 12, 775, 'one by one');
INSERT INTO items VALUES (10026, 'single-10026', 13, 806, 'one by one');
INSERT INTO items VALUES (10027, 'single-10027', 14, 837, 'one by one');
INSERT INTO items VALUES (10028, 'single-10028', 15, 868, 'one by one');
INSERT INTO items VALUES (10029, 'single-10029', 16, 899, 'one by one');
INSERT INTO items VALUES (10030, 'single-10030', 0, 930, 'one by one');
INSERT INTO items VALUES (10031, 'single-10031', 1, 961, 'one by one');
INSERT INTO items VALUES (10032, 'single-10032', 2, 992, 'one by one');
INSERT INTO items VALUES (10033, 'single-10033', 3, 23, 'one by one');
INSERT INTO items VALUES (10034, 'single-10034', 4, 54, 'one by one');
INSERT INTO items VALUES (10035, 'single-10035', 5, 85, 'one by one');
INSERT INTO items VALUES (10036, 'single-10036', 6, 116, 'one by one');
INSERT INTO items VALUES (10037, 'single-10037', 7, 147, 'one by one');
INSERT INTO items VALUES (10038, 'single-10038', 8, 178, 'one by one');
INSERT INTO items VALUES (10039, 'single-10039', 9, 209, 'one by one');
INSERT INTO items VALUES (10040, 'single-10040', 10, 240, 'one by one');
INSERT INTO items VALUES (10041, 'single-10041', 11, 271, 'one by one');
INSERT INTO items VALUES (10042, 'single-10042', 12, 302, 'one by one');
INSERT INTO items VALUES (10043, 'single-10043', 13, 333, 'one by one');
INSERT INTO items VALUES (10044, 'single-10044', 14, 364, 'one by one');
INSERT INTO items VALUES (10045, 'single-10045', 15, 395, 'one by one');
INSERT INTO items VALUES (10046, 'single-10046', 16, 426, 'one by one');
INSERT INTO items VALUES (10047, 'single-10047', 0, 457, 'one by one');
INSERT INTO items VALUES (10048, 'single-10048', 1, 488, 'one by one');
INSERT INTO items VALUES (10049, 'single-10049', 2, 519, 'one by one');
INSERT INTO items VALUES (10050, 'single-10050', 3, 550, 'one by one');
INSERT INTO items VALUES (10051, 'single-10051', 4, 581, 'one by one');
INSERT INTO items VALUES (10052, 'single-10052', 5, 612, 'one by one');
INSERT INTO items VALUES (10053, 'single-10053', 6, 643, 'one by one');
INSERT INTO items VALUES (10054, 'single-10054', 7, 674, 'one by one');
INSERT INTO items VALUES (10055, 'single-10055', 8, 705, 'one by one');
INSERT INTO items VALUES (10056, 'single-10056', 9, 736, 'one by one');
INSERT INTO items VALUES (10057, 'single-10057', 10, 767, 'one by one');
INSERT INTO items VALUES (10058, 'single-10058', 11, 798, 'one by one');
INSERT INTO items VALUES (10059, 'single-10059', 12, 829, 'one by one');
INSERT INTO items VALUES (10060, 'single-10060', 13, 860, 'one by one');
INSERT INTO items VALUES (10061, 'single-10061', 14, 891, 'one by one');
INSERT INTO items VALUES (10062, 'single-10062', 15, 922, 'one by one');
INSERT INTO items VALUES (10063, 'single-10063', 16, 953, 'one by one');
INSERT INTO items VALUES (10064, 'single-10064', 0, 984, 'one by one');
INSERT INTO items VALUES (10065, 'single-10065', 1, 15, 'one by one');
INSERT INTO items VALUES (10066, 'single-10066', 2, 46, 'one by one');
INSERT INTO items VALUES (10067, 'single-10067', 3, 77, 'one by one');
INSERT INTO items VALUES (10068, 'single-10068', 4, 108, 'one by one');
INSERT INTO items VALUES (10069, 'single-10069', 5, 139, 'one by one');
INSERT INTO items VALUES (10070, 'single-10070', 6, 170, 'one by one');
INSERT INTO items VALUES (10071, 'single-10071', 7, 201, 'one by one');
INSERT INTO items VALUES (10072, 'single-10072', 8, 232, 'one by one');
INSERT INTO items VALUES (10073, 'single-10073', 9, 263, 'one by one');
INSERT INTO items VALUES (10074, 'single-10074', 10, 294, 'one by one');
INSERT INTO items VALUES (10075, 'single-10075', 11, 325, 'one by one');
INSERT INTO items VALUES (10076, 'single-10076', 12, 356, 'one by one');
INSERT INTO items VALUES (10077, 'single-10077', 13, 387, 'one by one');
INSERT INTO items VALUES (10078, 'single-10078', 14, 418, 'one by one');
INSERT INTO items VALUES (10079, 'single-10079', 15, 449, 'one by one');
INSERT INTO items VALUES (10080, 'single-10080', 16, 480, 'one by one');
INSERT INTO items VALUES (10081, 'single-10081', 0, 511, 'one by one');
INSERT INTO items VALUES (10082, 'single-10082', 1, 542, 'one by one');
INSERT INTO items VALUES (10083, 'single-10083', 2, 573, 'one by one');
INSERT INTO items VALUES (10084, 'single-10084', 3, 604, 'one by one');
INSERT INTO items VALUES (10085, 'single-10085', 4, 635, 'one by one');
INSERT INTO items VALUES (10086, 'single-10086', 5, 666, 'one by one');
INSERT INTO items VALUES (10087, 'single-10087', 6, 697, 'one by one');
INSERT INTO items VALUES (10088, 'single-10088', 7, 728, 'one by one');
INSERT INTO items VALUES (10089, 'single-10089', 8, 759, 'one by one');
INSERT INTO items VALUES (10090, 'single-10090', 9, 790, 'one by one');
INSERT INTO items VALUES (10091, 'single-10091', 10, 821, 'one by one');
INSERT INTO items VALUES (10092, 'single-10092', 11, 852, 'one by one');
INSERT INTO items VALUES (10093, 'single-10093', 12, 883, 'one by one');
INSERT INTO items VALUES (10094, 'single-10094', 13, 914, 'one by one');
INSERT INTO items VALUES (10095, 'single-10095', 14, 945, 'one by one');
INSERT INTO items VALUES (10096, 'single-10096', 15, 976, 'one by one');
INSERT INTO items VALUES (10097, 'single-10097', 16, 7, 'one by one');
INSERT INTO items VALUES (10098, 'single-10098', 0, 38, 'one by one');
INSERT INTO items VALUES (10099, 'single-10099', 1, 69, 'one by one');
INSERT INTO items VALUES (10100, 'single-10100', 2, 100, 'one by one');
CREATE INDEX items_by_grp ON items (grp, amount);

-- Values of 2 KB to 40 KB: overflow pages chained through the file.
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO blobs SELECT i, CAST(replace(hex(zeroblob(1000 + i * 330)), '00', printf('%02x', i)) AS BLOB) FROM n;
COMMIT;

BEGIN;
UPDATE items SET amount = amount + 5, note = 'raised' WHERE grp = 3;
DELETE FROM items WHERE amount < 500;
UPDATE blobs SET body = substr(body, 1, 100) WHERE id % 7 = 0;
DELETE FROM blobs WHERE id % 11 = 0;
COMMIT;
SELECT total_changes() AS changes, COUNT(*) AS items, SUM(amount) AS total FROM items;

BEGIN;
DELETE FROM items;
DELETE FROM blobs;
ROLLBACK;
SELECT COUNT(*) AS after_rollback FROM items;
PRAGMA integrity_check;

-- Reader passwords were kept in clear in devices.config, and so in every backup of the
-- ledger. Each becomes `passwordHash`, the same scrypt hash users' passwords have
-- (auth/passwords.ts; store_edge_hash_password is registered by openDatabase). secure_delete
-- overwrites the bytes the clear text leaves behind in the file instead of leaving them in
-- free space (https://www.sqlite.org/pragma.html#pragma_secure_delete).
PRAGMA secure_delete = ON;
UPDATE devices
   SET config = json_remove(
         json_set(config, '$.passwordHash', store_edge_hash_password(json_extract(config, '$.password'))),
         '$.password')
 WHERE json_type(config, '$.password') = 'text';
PRAGMA secure_delete = OFF;

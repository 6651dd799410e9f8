package io.caucus.kv.config;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Who may use the Redis port (docs/operations.md, "The configuration file"; docs/security.md). No users: the
 * port is open, every connection may run every command (as redis-server without requirepass). With users, a
 * connection runs commands only after {@code AUTH}, unless a user named {@code default} has no password
 * ({@code nopass}), in which case every new connection starts as that user.
 *
 * @param users        the users, names unique; empty for an open port
 * @param nodePassword the password followers present to the leader's Redis port when they forward commands to it
 *                     (read from {@code nodePasswordFile}); null when there are no users or only one node
 */
public record ClientAuth(List<User> users, byte[] nodePassword) {

    /** The name under which followers forward to the leader; no user of the file may take it. */
    public static final String NODE_USER = "caucus.node";

    /** No users: an open port. */
    public static final ClientAuth OPEN = new ClientAuth(List.of(), null);

    public ClientAuth {
        users = List.copyOf(users);
    }

    public boolean enabled() {
        return !users.isEmpty();
    }

    /** What a user may run (docs/security.md lists the commands of each). */
    public enum Permission {
        /** Reads, transactions of reads, connection commands. */
        READONLY,
        /** Also writes, except those of {@link #ADMIN}. */
        READWRITE,
        /** Everything: also FLUSHALL, FLUSHDB, SCRIPT FLUSH, scripts that may write (EVAL, EVALSHA, SCRIPT LOAD), ACL LIST. */
        ADMIN
    }

    /**
     * @param passwordSha256 SHA-256 of the password (32 bytes), or null for a user without a password (nopass)
     * @param keyPatterns    Redis glob patterns (ACL {@code ~pattern}) naming the keys the user may touch
     */
    public record User(String name, byte[] passwordSha256, Permission permission, List<String> keyPatterns) {

        public User {
            keyPatterns = List.copyOf(keyPatterns);
            if (passwordSha256 != null && passwordSha256.length != 32) {
                throw new IllegalArgumentException("a SHA-256 hash has 32 bytes, got " + passwordSha256.length);
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof User user && name.equals(user.name)
                    && Arrays.equals(passwordSha256, user.passwordSha256) && permission == user.permission
                    && keyPatterns.equals(user.keyPatterns);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return "User[" + name + ", " + (passwordSha256 == null ? "nopass"
                    : "#" + HexFormat.of().formatHex(passwordSha256)) + ", " + permission + ", " + keyPatterns + "]";
        }
    }

    @Override
    public String toString() {
        return "ClientAuth[" + users + (nodePassword == null ? "" : ", node password set") + "]";
    }
}

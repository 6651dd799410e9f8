package io.caucus.kv.protocol;

import io.caucus.kv.command.Arguments;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.GlobPattern;
import io.caucus.kv.command.Reply;
import io.caucus.kv.config.ClientAuth;
import io.caucus.kv.config.ClientAuth.Permission;
import io.caucus.kv.slots.CommandKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may run what on the Redis port: the users of the cluster file ({@link ClientAuth}), each with a permission
 * set and key patterns, and the checks made before a command runs, worded as redis-server 7.0 words them.
 *
 * <p>Permission sets: {@link Permission#READONLY} runs reads, transactions and the connection commands;
 * {@link Permission#READWRITE} also writes, except {@link #ADMIN_COMMANDS}; {@link Permission#ADMIN} runs
 * everything. Scripts that may write are admin commands because a script's {@code redis.call}s run inside the
 * state machine on every replica, where the caller is not known, so they cannot be checked against the caller's
 * permissions or keys; for the same reason a user restricted to some keys may run no script at all.
 *
 * <p>Passwords are kept as SHA-256 hashes (Redis ACL's {@code #<hash>} form) and compared in constant time.
 */
public final class Acl {

    /** Writes that only an admin may run (names as {@link CommandSpec#name()}: subcommands as SCRIPT|FLUSH). */
    static final Set<String> ADMIN_COMMANDS = Set.of("FLUSHALL", "FLUSHDB", "SCRIPT|FLUSH", "SCRIPT|LOAD", "EVAL",
            "EVALSHA");
    /** Reads that may touch any key whatever arguments they name. */
    static final Set<String> SCRIPT_READS = Set.of("EVAL_RO", "EVALSHA_RO");
    /** ACL subcommands only an admin may run. */
    static final Set<String> ADMIN_ACL_SUBCOMMANDS = Set.of("LIST", "USERS");

    static final Reply.Error NOAUTH = new Reply.Error("NOAUTH", "Authentication required.");
    static final Reply.Error WRONGPASS = new Reply.Error("WRONGPASS",
            "invalid username-password pair or user is disabled.");
    static final Reply.Error NOPERM_KEYS = new Reply.Error("NOPERM",
            "this user has no permissions to access one of the keys used as arguments");

    /** One user as a connection runs as it. */
    public record Principal(String name, byte[] passwordSha256, Permission permission, List<byte[]> keyPatterns,
                            boolean allKeys, boolean mayForward) {

        /** The ACL LIST line, in Redis's format (a hash, never a password). */
        String describe() {
            StringBuilder line = new StringBuilder("user ").append(name).append(" on ");
            line.append(passwordSha256 == null ? "nopass" : "#" + HexFormat.of().formatHex(passwordSha256));
            for (byte[] pattern : keyPatterns) {
                line.append(" ~").append(new String(pattern, StandardCharsets.UTF_8));
            }
            line.append(permission == Permission.ADMIN ? " &* " : " resetchannels ");
            line.append(switch (permission) {
                case ADMIN -> allKeys ? "+@all" : "+@all -eval -evalsha -eval_ro -evalsha_ro";
                case READWRITE -> "+@all -flushall -flushdb -script|flush -script|load -eval -evalsha -acl|list"
                        + " -acl|users" + (allKeys ? "" : " -eval_ro -evalsha_ro");
                case READONLY -> "-@all +@read +@connection +@transaction +info +config|get +command +select"
                        + " +acl|whoami" + (allKeys ? " +eval_ro +evalsha_ro" : "");
            });
            return line.toString();
        }
    }

    /** The only user of an open port: may run everything (redis-server's default user without requirepass). */
    static final Principal OPEN_DEFAULT = new Principal("default", null, Permission.ADMIN,
            List.of(new byte[] {'*'}), true, true);

    private final boolean required;
    private final Map<String, Principal> users;
    /** The user a new connection starts as: the default user if it needs no password, else null. */
    private final Principal initial;

    private Acl(boolean required, Map<String, Principal> users) {
        this.required = required;
        this.users = users;
        Principal defaultUser = users.get("default");
        this.initial = !required ? OPEN_DEFAULT
                : defaultUser != null && defaultUser.passwordSha256() == null ? defaultUser : null;
    }

    /** No users: every connection may run everything. */
    public static Acl open() {
        return new Acl(false, Map.of("default", OPEN_DEFAULT));
    }

    public static Acl of(ClientAuth auth) {
        if (!auth.enabled()) {
            return open();
        }
        Map<String, Principal> users = new LinkedHashMap<>();
        for (ClientAuth.User user : auth.users()) {
            List<byte[]> patterns = user.keyPatterns().stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
            users.put(user.name(), new Principal(user.name(), user.passwordSha256(), user.permission(), patterns,
                    user.keyPatterns().contains("*"), false));
        }
        if (auth.nodePassword() != null) {
            users.put(ClientAuth.NODE_USER, new Principal(ClientAuth.NODE_USER, sha256(auth.nodePassword()),
                    Permission.ADMIN, List.of(new byte[] {'*'}), true, true));
        }
        return new Acl(true, users);
    }

    /** True if users are configured: a connection may need to AUTH. */
    boolean enabled() {
        return required;
    }

    /** The user a new connection runs as, or null if it must authenticate first. */
    Principal initialUser() {
        return initial;
    }

    /**
     * The user {@code name} if {@code password} is its password (any password, for a user without one, as in
     * Redis), else null. Hashes are compared in full, so the time taken does not tell how much of one matched.
     */
    Principal authenticate(String name, byte[] password) {
        Principal user = users.get(name);
        if (user == null) {
            return null;
        }
        if (user.passwordSha256() == null) {
            return user;
        }
        return MessageDigest.isEqual(sha256(password), user.passwordSha256()) ? user : null;
    }

    /**
     * Why {@code user} may not run {@code argv} (served by {@code spec}), as Redis's NOPERM reply, or null if it
     * may. Command first, then keys, as Redis checks them.
     */
    static Reply.Error refusal(Principal user, CommandSpec spec, List<byte[]> argv) {
        if (user.permission() == Permission.ADMIN && user.allKeys()) {
            return null;
        }
        String name = spec.name();
        if (name.equals("ACL")) {
            return argv.size() > 1 ? aclRefusal(user, Arguments.upper(argv.get(1))) : null;
        }
        boolean allowed = switch (spec.kind()) {
            case LOCAL, TRANSACTION -> true;
            case READ -> !SCRIPT_READS.contains(name) || user.allKeys();
            case WRITE -> ADMIN_COMMANDS.contains(name)
                    ? user.permission() == Permission.ADMIN && (user.allKeys() || !name.startsWith("EVAL"))
                    : user.permission() != Permission.READONLY;
        };
        if (!allowed) {
            return noPermission(name.toLowerCase(Locale.ROOT));
        }
        if (!user.allKeys()) {
            for (byte[] key : CommandKeys.of(spec, argv)) { // the keys Redis's ACL checks: COMMAND GETKEYS's
                if (!mayAccess(user, key)) {
                    return NOPERM_KEYS;
                }
            }
        }
        return null;
    }

    /** Refusal of an ACL subcommand reserved to admins, or null. */
    static Reply.Error aclRefusal(Principal user, String subcommand) {
        return ADMIN_ACL_SUBCOMMANDS.contains(subcommand) && user.permission() != Permission.ADMIN
                ? noPermission("acl|" + subcommand.toLowerCase(Locale.ROOT)) : null;
    }

    static Reply.Error noPermission(String command) {
        return new Reply.Error("NOPERM", "this user has no permissions to run the '" + command + "' command");
    }

    private static boolean mayAccess(Principal user, byte[] key) {
        for (byte[] pattern : user.keyPatterns()) {
            if (GlobPattern.matches(pattern, key)) {
                return true;
            }
        }
        return false;
    }

    /** ACL LIST: one line per user, sorted by name as Redis sorts them. */
    List<String> list() {
        return users.values().stream().sorted(Comparator.comparing(Principal::name)).map(Principal::describe)
                .toList();
    }

    /** ACL USERS: the names, sorted. */
    List<String> names() {
        return users.keySet().stream().sorted().toList();
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

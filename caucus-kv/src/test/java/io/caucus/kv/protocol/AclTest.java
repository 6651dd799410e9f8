package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.config.ClientAuth;
import io.caucus.kv.config.ClientAuth.Permission;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AclTest {

    private static byte[] sha(String password) {
        return Acl.sha256(password.getBytes(StandardCharsets.UTF_8));
    }

    private final Acl acl = Acl.of(new ClientAuth(List.of(
            new ClientAuth.User("default", sha("pw"), Permission.ADMIN, List.of("*")),
            new ClientAuth.User("app", sha("apw"), Permission.READWRITE, List.of("app:*")),
            new ClientAuth.User("ro", null, Permission.READONLY, List.of("*"))),
            "node-password-0123".getBytes(StandardCharsets.UTF_8)));

    private static List<byte[]> argv(String... words) {
        return Arrays.stream(words).map(w -> w.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private String refusal(String user, String... words) {
        Acl.Principal principal = acl.authenticate(user, user.equals("app") ? "apw".getBytes() : "pw".getBytes());
        List<byte[]> argv = argv(words);
        CommandSpec spec = CommandTable.accepted(argv);
        var error = Acl.refusal(principal, spec, argv);
        return error == null ? null : error.code() + " " + error.message();
    }

    @Test
    void passwordsAreCheckedAgainstTheirHashes() {
        assertThat(acl.authenticate("default", "pw".getBytes()).name()).isEqualTo("default");
        assertThat(acl.authenticate("default", "PW".getBytes())).isNull();
        assertThat(acl.authenticate("nobody", "pw".getBytes())).isNull();
        assertThat(acl.authenticate("ro", "anything".getBytes()).name()).isEqualTo("ro"); // nopass, as Redis
        assertThat(acl.authenticate(ClientAuth.NODE_USER, "node-password-0123".getBytes()).mayForward()).isTrue();
        assertThat(acl.authenticate("default", "pw".getBytes()).mayForward()).isFalse();
        assertThat(acl.initialUser()).isNull(); // the default user has a password: AUTH first
        assertThat(Acl.open().initialUser().name()).isEqualTo("default");
    }

    @Test
    void permissionSetsAndKeyPatterns() {
        assertThat(refusal("ro", "GET", "k")).isNull();
        assertThat(refusal("ro", "SET", "k", "v")).isEqualTo("NOPERM this user has no permissions to run the 'set' command");
        assertThat(refusal("ro", "ACL", "LIST")).isEqualTo("NOPERM this user has no permissions to run the 'acl|list' command");
        assertThat(refusal("ro", "ACL", "WHOAMI")).isNull();
        assertThat(refusal("ro", "EVAL_RO", "return 1", "0")).isNull();
        assertThat(refusal("app", "SET", "app:1", "v")).isNull();
        assertThat(refusal("app", "SET", "other", "v")).isEqualTo(
                "NOPERM this user has no permissions to access one of the keys used as arguments");
        assertThat(refusal("app", "MSET", "app:1", "v", "other", "w")).startsWith("NOPERM this user has no permissions to access");
        assertThat(refusal("app", "MSET", "app:1", "v", "app:2", "other")).isNull(); // values are not keys
        assertThat(refusal("app", "RENAME", "app:1", "other")).startsWith("NOPERM this user has no permissions to access");
        assertThat(refusal("app", "LMPOP", "2", "app:1", "other", "LEFT")).startsWith("NOPERM this user has no permissions to access");
        assertThat(refusal("app", "SINTERCARD", "1", "app:1")).isNull();
        assertThat(refusal("app", "WATCH", "app:1", "x")).startsWith("NOPERM this user has no permissions to access");
        assertThat(refusal("app", "FLUSHALL")).isEqualTo("NOPERM this user has no permissions to run the 'flushall' command");
        assertThat(refusal("app", "SCRIPT", "FLUSH")).isEqualTo("NOPERM this user has no permissions to run the 'script|flush' command");
        assertThat(refusal("app", "EVAL_RO", "return 1", "0")).isEqualTo("NOPERM this user has no permissions to run the 'eval_ro' command");
        assertThat(refusal("app", "KEYS", "*")).isNull(); // as in Redis 7.0: KEYS names no key argument
        assertThat(refusal("default", "FLUSHALL")).isNull();
        assertThat(refusal("default", "EVAL", "return 1", "0")).isNull();
    }

    /** A command added later whose keys the table does not place must be counted by CommandKeys, or be keyless. */
    @Test
    void everyDataCommandWithoutKeyPositionsIsKnownToTheAcl() {
        Set<String> keyless = Set.of("DBSIZE", "FLUSHALL", "FLUSHDB", "KEYS", "RANDOMKEY", "SCAN", "OBJECT|HELP",
                "SCRIPT|EXISTS", "SCRIPT|FLUSH", "SCRIPT|LOAD");
        Set<String> counted = Set.of("EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "LMPOP", "SINTERCARD");
        for (CommandSpec spec : CommandTable.all()) {
            if ((spec.kind() == CommandSpec.Kind.READ || spec.kind() == CommandSpec.Kind.WRITE) && spec.firstKey() == 0) {
                assertThat(keyless.contains(spec.name()) || counted.contains(spec.name())).as(spec.name()).isTrue();
            }
        }
    }

    @Test
    void aclListShowsHashesInRedisFormat() {
        assertThat(Acl.open().list()).containsExactly("user default on nopass ~* &* +@all");
        List<String> lines = acl.list();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("user app on #").contains(" ~app:* resetchannels ");
        assertThat(lines.get(1)).startsWith("user caucus.node on #");
        assertThat(lines.get(2)).isEqualTo("user default on #" + java.util.HexFormat.of().formatHex(sha("pw"))
                + " ~* &* +@all");
        assertThat(String.join("\n", lines)).doesNotContain("node-password-0123").doesNotContain(" pw");
    }
}

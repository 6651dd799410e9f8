package io.caucus.kv.slots;

import static io.caucus.kv.slots.CommandKeysTest.argv;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandContext;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replies are redis-server 7.0's in cluster mode (SlotsRedisIT compares them). */
class ClusterKeyslotCommandTest {

    private static Reply run(String... args) {
        List<byte[]> argv = argv(args);
        Reply.Error refusal = CommandTable.refusal(argv);
        return refusal != null ? refusal : CommandTable.execute(new CommandContext(null, 0, 0, false), argv);
    }

    @Test
    void keyslotAnswersTheKeysSlot() {
        assertThat(run("CLUSTER", "KEYSLOT", "123456789")).isEqualTo(new Reply.Int(12739));
        assertThat(run("cluster", "keyslot", "{user1000}.following")).isEqualTo(new Reply.Int(3443));
        assertThat(run("CLUSTER", "KEYSLOT", "")).isEqualTo(new Reply.Int(0));
    }

    @Test
    void wrongArityAndUnknownSubcommandsAreWordedAsRedisWordsThem() {
        assertThat(run("CLUSTER")).isEqualTo(Reply.error("wrong number of arguments for 'cluster' command"));
        assertThat(run("CLUSTER", "KEYSLOT"))
                .isEqualTo(Reply.error("wrong number of arguments for 'cluster|keyslot' command"));
        assertThat(run("CLUSTER", "KEYSLOT", "a", "b"))
                .isEqualTo(Reply.error("wrong number of arguments for 'cluster|keyslot' command"));
        assertThat(run("CLUSTER", "foo")).isEqualTo(Reply.error("unknown subcommand 'foo'. Try CLUSTER HELP."));
        assertThat(run("CLUSTER", "SLOTS", "x"))
                .isEqualTo(Reply.error("wrong number of arguments for 'cluster|slots' command"));
    }

    @Test
    void clusterIsALocalContainer() {
        CommandSpec keyslot = CommandTable.accepted(argv("CLUSTER", "KEYSLOT", "k"));
        assertThat(keyslot.name()).isEqualTo("CLUSTER|KEYSLOT");
        assertThat(keyslot.kind()).isEqualTo(CommandSpec.Kind.LOCAL);
        assertThat(CommandTable.lookup("cluster".getBytes()).kind()).isEqualTo(CommandSpec.Kind.LOCAL);
    }
}

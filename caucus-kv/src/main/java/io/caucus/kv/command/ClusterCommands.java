package io.caucus.kv.command;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.slots.KeySlot;
import java.util.List;
import java.util.Map;

/**
 * CLUSTER, the Redis Cluster introspection command: a container whose subcommands are answered by the node the
 * client is connected to. KEYSLOT only, for now (docs/multiraft.md, "Redis Cluster protocol"); any other
 * subcommand gets Redis's reply to an unknown one from {@link CommandTable#refusal}.
 */
public final class ClusterCommands {

    private ClusterCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(new CommandSpec("CLUSTER", -2, Kind.LOCAL, 0, 0, 0, null)); // see subcommands()
    }

    public static Map<String, CommandSpec> subcommands() {
        // KEYSLOT's argument is not a key of the keyspace (Redis's COMMAND GETKEYS finds none): any node answers.
        return Map.of("KEYSLOT", new CommandSpec("CLUSTER|KEYSLOT", 3, Kind.LOCAL, 0, 0, 0,
                (context, args) -> new Reply.Int(KeySlot.of(args.get(2)))));
    }
}

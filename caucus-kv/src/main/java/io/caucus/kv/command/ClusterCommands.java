package io.caucus.kv.command;

import io.caucus.kv.command.CommandSpec.Handler;
import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.slots.KeySlot;
import java.util.List;
import java.util.Map;

/**
 * CLUSTER, the Redis Cluster introspection command: a container whose subcommands are answered by the node the
 * client is connected to (docs/multiraft.md, "Redis Cluster protocol"). KEYSLOT is answered from the key alone; the
 * views of the cluster (SLOTS, SHARDS, NODES, INFO, MYID) need the node's slot map and groups, so the RESP front end
 * answers them from its router, and a one-group node answers them as redis-server does outside cluster mode. Any
 * other subcommand gets Redis's reply to an unknown one from {@link CommandTable#refusal}.
 */
public final class ClusterCommands {

    /** The subcommands that describe the cluster, answered from the node's slot map and groups. */
    public static final List<String> VIEWS = List.of("SLOTS", "SHARDS", "NODES", "INFO", "MYID");

    /** redis-server's answer to the cluster commands when it runs without cluster support: a one-group node's. */
    public static final Reply.Error CLUSTER_DISABLED = Reply.error("This instance has cluster support disabled");

    /** The cluster commands' handler wherever no sharded front end answers them first. */
    private static final Handler NO_CLUSTER = (context, args) -> CLUSTER_DISABLED;

    private ClusterCommands() {
    }

    public static List<CommandSpec> commands() {
        // READONLY and READWRITE switch a connection's reads to replicas and back; answered by the RESP front end.
        return List.of(new CommandSpec("CLUSTER", -2, Kind.LOCAL, 0, 0, 0, null), // see subcommands()
                new CommandSpec("READONLY", 1, Kind.LOCAL, 0, 0, 0, NO_CLUSTER),
                new CommandSpec("READWRITE", 1, Kind.LOCAL, 0, 0, 0, NO_CLUSTER),
                // The next command goes to the group its slot is moving to (after -ASK); answered by the front end.
                new CommandSpec("ASKING", 1, Kind.LOCAL, 0, 0, 0, NO_CLUSTER));
    }

    public static Map<String, CommandSpec> subcommands() {
        // KEYSLOT's argument is not a key of the keyspace (Redis's COMMAND GETKEYS finds none): any node answers.
        Map<String, CommandSpec> specs = new java.util.HashMap<>();
        specs.put("KEYSLOT", new CommandSpec("CLUSTER|KEYSLOT", 3, Kind.LOCAL, 0, 0, 0,
                (context, args) -> new Reply.Int(KeySlot.of(args.get(2)))));
        for (String view : VIEWS) {
            specs.put(view, new CommandSpec("CLUSTER|" + view, 2, Kind.LOCAL, 0, 0, 0, NO_CLUSTER));
        }
        return Map.copyOf(specs);
    }
}

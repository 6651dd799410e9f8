package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminClient;
import io.caucus.kv.admin.AdminJson;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.server.HostPort;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code caucus member list|add|change-address|promote|remove}: the cluster's membership through the admin
 * endpoints. Each change waits until it is committed and prints the new membership, or the error (exit code 1; 3
 * when the outcome is unknown).
 */
@Command(name = "member", mixinStandardHelpOptions = true,
        description = "List, add, promote or remove members, or change a member's addresses.",
        subcommands = {MemberCommand.List.class, MemberCommand.Add.class, MemberCommand.ChangeAddress.class,
                MemberCommand.Promote.class, MemberCommand.Remove.class})
final class MemberCommand implements Runnable {

    static final String FORMAT = "%-10s %-15s %-8s %-7s %-21s %-21s %s%n";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show the members (the leader's view).")
    static final class List implements Callable<Integer> {
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return print(spec, target.client().send("GET", "/members", ""));
        }
    }

    /** A member's addresses as options; each one not given is its entry's in --config, if that is given. */
    static final class AddressOptions {
        @Option(names = "--raft", description = "Its Raft address host:port (default: its entry in --config).")
        String raft;
        @Option(names = "--client", description = "Its client (RESP) address host:port (default: its entry in "
                + "--config).")
        String client;
        @Option(names = "--admin", description = "Its admin (HTTP) address host:port (default: its entry in "
                + "--config).")
        String admin;

        /** The request body: the id if given, then each address given or found in the file. */
        String body(String id, boolean withId, AdminTarget target) {
            ClusterConfig.Node listed = null;
            if (target.config != null && (raft == null || client == null || admin == null)) {
                ClusterConfig cluster = target.cluster();
                listed = cluster.nodes().stream().anyMatch(node -> node.id().value().equals(id))
                        ? cluster.node(id) : null;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            if (withId) {
                fields.put("id", NodeId.of(id).value());
            }
            put(fields, "raft", raft, listed == null ? null : listed.raft());
            put(fields, "client", client, listed == null ? null : listed.client());
            put(fields, "admin", admin, listed == null ? null : listed.http());
            return AdminJson.write(fields);
        }

        private static void put(Map<String, String> fields, String name, String given,
                                java.net.InetSocketAddress listed) {
            if (given != null) {
                fields.put(name, given);
            } else if (listed != null) {
                fields.put(name, HostPort.format(listed));
            }
        }
    }

    /** A change that names a member and its addresses: {@code add} and {@code change-address}. */
    abstract static class AddressChange implements Callable<Integer> {
        @Parameters(index = "0", description = "The member's id.")
        String id;
        @Mixin
        AddressOptions addresses;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        /** The endpoint, and whether the body names the member (else the path does). */
        abstract String path();

        abstract boolean bodyNamesMember();

        @Override
        public Integer call() {
            return print(spec, target.client().send("POST", path(), addresses.body(id, bodyNamesMember(), target)));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a node as a learner, with its addresses (every member learns them from the log). "
                    + "Start it first with 'caucus server --join'; promote it once it has caught up.")
    static final class Add extends AddressChange {
        @Override
        String path() {
            return "/members";
        }

        @Override
        boolean bodyNamesMember() {
            return true;
        }
    }

    @Command(name = "change-address", mixinStandardHelpOptions = true,
            description = {"Replace a member's addresses (it moved to another host): one configuration entry that "
                    + "keeps every member and part. Peers dial the new Raft address once the entry is appended; "
                    + "redirects and 'caucus status' use the new client and admin addresses.",
                    "Each address not given is taken from the member's entry in --config, else kept as the log "
                    + "has it. Restart the node at its new address (with the same data directory)."})
    static final class ChangeAddress extends AddressChange {
        @Override
        String path() {
            return "/members/" + NodeId.of(id).value() + "/addresses";
        }

        @Override
        boolean bodyNamesMember() {
            return false;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make a learner a voter (joint consensus; waits for C_new to commit).")
    static final class Promote implements Callable<Integer> {
        @Parameters(index = "0", description = "The learner's id.")
        String id;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return print(spec, target.client().send("POST", "/members/" + NodeId.of(id).value() + "/promote", ""));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a voter or a learner.")
    static final class Remove implements Callable<Integer> {
        @Parameters(index = "0", description = "The member's id.")
        String id;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return print(spec, target.client().send("DELETE", "/members/" + NodeId.of(id).value(), ""));
        }
    }

    private static Object orDash(Object value) {
        return value == null ? "-" : value;
    }

    /** Prints the membership of a 200 reply, or the error; returns the exit code. */
    static int print(CommandSpec spec, AdminClient.Reply reply) {
        if (!reply.ok()) {
            return AdminTarget.failed(spec, reply);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> body = reply.body();
        out.printf("leader %s, term %s%s (as seen by %s)%n", body.get("leader") == null ? "unknown" : body.get("leader"),
                body.get("term"), Boolean.TRUE.equals(body.get("joint")) ? ", joint configuration" : "",
                body.get("reportedBy"));
        out.printf(FORMAT, "ID", "PART", "MATCH", "ACTIVE", "RAFT", "CLIENT", "ADMIN");
        if (body.get("members") instanceof java.util.List<?> members) {
            for (Object entry : members) {
                if (entry instanceof Map<?, ?> member) {
                    Object match = member.get("match");
                    boolean known = match instanceof Number number && number.longValue() >= 0;
                    out.printf(FORMAT, member.get("id"), member.get("part"), known ? match : "-",
                            known ? (Boolean.TRUE.equals(member.get("recentlyActive")) ? "yes" : "no") : "-",
                            orDash(member.get("raft")), orDash(member.get("client")), orDash(member.get("admin")));
                }
            }
        }
        out.flush();
        return 0;
    }
}

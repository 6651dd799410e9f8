package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminClient;
import io.caucus.kv.admin.AdminJson;
import io.caucus.kv.config.HostPort;
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
 * {@code caucus member list|add|promote|remove}: the cluster's membership through the admin endpoints. Each
 * change waits until it is committed and prints the new membership, or the error (exit code 1; 3 when the
 * outcome is unknown).
 */
@Command(name = "member", mixinStandardHelpOptions = true, description = "List, add, promote or remove members.",
        subcommands = {MemberCommand.List.class, MemberCommand.Add.class, MemberCommand.Promote.class,
                MemberCommand.Remove.class})
final class MemberCommand implements Runnable {

    static final String FORMAT = "%-10s %-15s %-8s %-7s %s%n";

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

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a node as a learner. Start it first with 'caucus server --join'; promote it once it "
                    + "has caught up.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", description = "The node's id.")
        String id;
        @Option(names = "--raft", description = "Its Raft address host:port (default: its entry in --config).")
        String raft;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String address = raft;
            if (address == null && target.config != null) {
                address = HostPort.format(target.cluster().node(id).raft());
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("id", NodeId.of(id).value());
            if (address != null) {
                fields.put("raft", address);
            }
            String body = AdminJson.write(fields);
            return print(spec, target.client().send("POST", "/members", body));
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

    /** Prints the membership of a 200 reply, or the error; returns the exit code. */
    static int print(CommandSpec spec, AdminClient.Reply reply) {
        if (!reply.ok()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("caucus: " + reply.error() + " (HTTP " + reply.status() + " from " + reply.from() + "): "
                    + reply.message());
            err.flush();
            return reply.error().equals("UNKNOWN") ? 3 : 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> body = reply.body();
        out.printf("leader %s, term %s%s (as seen by %s)%n", body.get("leader") == null ? "unknown" : body.get("leader"),
                body.get("term"), Boolean.TRUE.equals(body.get("joint")) ? ", joint configuration" : "",
                body.get("reportedBy"));
        out.printf(FORMAT, "ID", "PART", "MATCH", "ACTIVE", "RAFT");
        if (body.get("members") instanceof java.util.List<?> members) {
            for (Object entry : members) {
                if (entry instanceof Map<?, ?> member) {
                    Object match = member.get("match");
                    boolean known = match instanceof Number number && number.longValue() >= 0;
                    out.printf(FORMAT, member.get("id"), member.get("part"), known ? match : "-",
                            known ? (Boolean.TRUE.equals(member.get("recentlyActive")) ? "yes" : "no") : "-",
                            member.get("raft") == null ? "-" : member.get("raft"));
                }
            }
        }
        out.flush();
        return 0;
    }
}

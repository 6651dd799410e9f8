package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.server.NotLeaderException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A sharded node's slot map over HTTP (docs/operations.md): {@code GET /slots} (the map in force here: epoch, ranges
 * with their groups, groups with their replicas, moves under way) and {@code POST /slots/move?slots=A-B&to=G}, which
 * records a move of the range to group G in the map; the metadata group's leader then carries it out. Answered by the
 * metadata leader only (another node answers 421 naming it, which {@code caucus slots move} follows).
 *
 * <p>Status codes: 200 recorded (the move goes on in the background; {@code GET /slots} shows it until done), 400 a bad
 * request or a move the map refuses (nothing changed; the message says why), 421 not the metadata leader (nothing
 * changed), 503 no metadata leader (nothing changed), 504 no answer in time (the move may have been recorded).
 */
public final class SlotsEndpoint {

    /** What the endpoint needs of the sharded node. */
    public interface Slots {
        SlotMap map();

        /** The metadata group's leader as this node knows it, or null. */
        NodeId metadataLeader();

        NodeId self();

        Optional<InetSocketAddress> adminAddress(NodeId node);

        CompletableFuture<SlotMap> startMove(SlotRange range, long target);
    }

    private final Slots slots;
    private final Duration timeout;

    public SlotsEndpoint(Slots slots, Duration timeout) {
        this.slots = slots;
        this.timeout = timeout;
    }

    public List<HttpContext> register(HttpServer server) {
        return List.of(server.createContext("/slots/move", this::move),
                server.createContext("/slots", exchange -> respond(exchange, 200, AdminJson.write(mapJson(slots.map())))));
    }

    /** The JSON form of {@code map}: {@code GET /slots}'s answer. */
    static Map<String, Object> mapJson(SlotMap map) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("epoch", map.epoch());
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (SlotMap.OwnedRange range : map.ranges()) {
            ranges.add(Map.of("slots", text(range.range()), "group", range.group()));
        }
        json.put("ranges", ranges);
        Map<String, Object> groups = new LinkedHashMap<>();
        for (long group : map.groups()) {
            groups.put(Long.toString(group), map.replicasOf(group).stream().map(NodeId::value).toList());
        }
        json.put("groups", groups);
        List<Map<String, Object>> moves = new ArrayList<>();
        for (SlotMap.Migration migration : map.migrations()) {
            moves.add(Map.of("slots", text(migration.range()), "from", migration.source(), "to",
                    migration.target()));
        }
        json.put("moves", moves);
        return json;
    }

    private static String text(SlotRange range) {
        return range.start() + "-" + range.end();
    }

    private void move(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, error("METHOD", "POST /slots/move?slots=A-B&to=GROUP", null));
            return;
        }
        Map<String, String> query = AdminHttpServer.queryParameters(exchange.getRequestURI().getRawQuery());
        SlotRange range;
        long target;
        try {
            range = range(query.get("slots"));
            target = Long.parseLong(require(query.get("to"), "to"));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, error("BAD_REQUEST", e.getMessage() + "; nothing was changed", null));
            return;
        }
        NodeId leader = slots.metadataLeader();
        if (leader == null) {
            respond(exchange, 503, error("NOLEADER", "the metadata group has no leader; nothing was changed", null));
            return;
        }
        if (!leader.equals(slots.self())) {
            respond(exchange, 421, error("NOTLEADER", "this node does not lead the metadata group; nothing was "
                    + "changed", leader));
            return;
        }
        try {
            SlotMap recorded = slots.startMove(range, target).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, Object> answer = mapJson(recorded);
            answer.put("moving", text(range));
            respond(exchange, 200, AdminJson.write(answer));
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IllegalArgumentException refused -> respond(exchange, 400, error("REFUSED",
                        refused.getMessage() + "; nothing was changed", null));
                case NotLeaderException notLeader -> respond(exchange, 421, error("NOTLEADER",
                        "this node no longer leads the metadata group; nothing was changed", slots.metadataLeader()));
                default -> respond(exchange, 504, error("UNKNOWN", "recording the move failed (" + e.getCause()
                        + "); it may have been recorded: see GET /slots", null));
            }
        } catch (TimeoutException e) {
            respond(exchange, 504, error("UNKNOWN", "no answer within " + timeout + "; the move may have been "
                    + "recorded: see GET /slots", null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 504, error("UNKNOWN", "interrupted; the move may have been recorded", null));
        }
    }

    /** {@code A-B} or a single slot {@code A}. */
    static SlotRange range(String text) {
        String value = require(text, "slots");
        int dash = value.indexOf('-');
        try {
            return dash < 0 ? SlotRange.single(Integer.parseInt(value))
                    : SlotRange.of(Integer.parseInt(value.substring(0, dash)), Integer.parseInt(value.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'slots' must be a slot or a range A-B of slots 0-16383, not '"
                    + value + "'");
        }
    }

    private static String require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("query parameter '" + name + "' is missing");
        }
        return value;
    }

    private String error(String code, String message, NodeId leader) {
        return MembershipJson.error(code, message, leader, leader == null ? null : slots.adminAddress(leader)
                .orElse(null));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        AdminHttpServer.respond(exchange, status, "application/json", body);
    }
}

package io.caucus.kv.protocol;

import io.caucus.kv.command.Arguments;
import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Who a connection runs as ({@link Acl}): with users configured, no one until AUTH (or HELLO AUTH) succeeds; the
 * commands each user may run; the failed attempts, counted. AUTH, HELLO and ACL are answered here, as Redis 7.0
 * answers them. Confined to the connection's event loop, as its {@link RespHandler}.
 */
final class ConnectionUser {

    private final Acl acl;
    private final KvMetrics metrics;
    /** Who the connection runs as; null until it authenticates (when users are configured). */
    private Acl.Principal user;
    private int failures;
    /** The channel's decoder, told when the connection authenticates; null if the pipeline has none. */
    private RespCommandDecoder decoder;

    ConnectionUser(Acl acl, KvMetrics metrics) {
        this.acl = acl;
        this.metrics = metrics;
    }

    /** Starts as the ACL's initial user (the default user on an open port), telling {@code decoder} whether it is. */
    void attach(RespCommandDecoder decoder) {
        this.decoder = decoder;
        this.user = acl.initialUser();
        if (decoder != null) {
            decoder.authenticated(user != null);
        }
    }

    boolean authenticated() {
        return user != null;
    }

    /** A follower's forwarding connection: the node user, when the cluster has users. */
    boolean isForwarder() {
        return acl.enabled() && user != null && user.mayForward();
    }

    /** Failed AUTH and HELLO AUTH attempts on this connection. */
    int failures() {
        return failures;
    }

    /** Why the connection's user may not run {@code request} now (NOAUTH, NOPERM), or null if it may. */
    Reply.Error refusal(Request request) {
        if (user == null) {
            boolean allowed = switch (request) {
                case Request.Command command -> command.is("AUTH") || command.is("HELLO") || command.is("QUIT");
                case Request.Invalid ignored -> true; // Redis answers an unknown command or a wrong arity first
                case Request.Forwarded ignored -> false;
            };
            return allowed ? null : Acl.NOAUTH;
        }
        return switch (request) {
            case Request.Command command -> Acl.refusal(user, command.spec(), command.argv());
            case Request.Forwarded forwarded -> user.mayForward() ? null
                    : Acl.noPermission(forwarded.name().toLowerCase(Locale.ROOT));
            case Request.Invalid ignored -> null;
        };
    }

    /** AUTH password (the default user) or AUTH user password, answered as Redis 7.0 answers them. */
    Reply auth(List<byte[]> argv) {
        if (argv.size() > 3) {
            return Reply.error("syntax error");
        }
        if (argv.size() == 2 && !acl.enabled()) {
            return Reply.error("AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
        }
        String name = argv.size() == 3 ? new String(argv.get(1), StandardCharsets.UTF_8) : "default";
        return attempt(name, argv.getLast()) ? Reply.OK : Acl.WRONGPASS;
    }

    /** Authenticates as {@code name}; a failure leaves the connection's user as it was and is counted. */
    private boolean attempt(String name, byte[] password) {
        Acl.Principal authenticated = acl.authenticate(name, password);
        if (authenticated == null) {
            failures++;
            metrics.authFailure();
            return false;
        }
        user = authenticated;
        if (decoder != null) {
            decoder.authenticated(true);
        }
        return true;
    }

    /** HELLO [protover [AUTH user password] [SETNAME name]], with Redis 7.0's checks in Redis's order. */
    Reply hello(List<byte[]> args) {
        if (!args.isEmpty()) {
            long version;
            try {
                version = Arguments.integer(args.getFirst());
            } catch (RuntimeException e) {
                return Reply.error("Protocol version is not an integer or out of range");
            }
            if (version != 2) {
                return new Reply.Error("NOPROTO", "sorry, this protocol version is not supported");
            }
            byte[] name = null;
            byte[] password = null;
            for (int j = 1; j < args.size(); j++) {
                int more = args.size() - 1 - j;
                if (Arguments.is(args.get(j), "AUTH") && more >= 2) {
                    name = args.get(j + 1);
                    password = args.get(j + 2);
                    j += 2;
                } else if (Arguments.is(args.get(j), "SETNAME") && more >= 1) {
                    j++; // accepted and ignored, as CLIENT SETNAME
                } else {
                    return Reply.error("Syntax error in HELLO option '" + Arguments.text(args.get(j)) + "'");
                }
            }
            if (name != null && !attempt(new String(name, StandardCharsets.UTF_8), password)) {
                return Acl.WRONGPASS;
            }
        }
        if (user == null) {
            return new Reply.Error("NOAUTH", "HELLO must be called with the client already authenticated, otherwise"
                    + " the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the"
                    + " RESP protocol version at the same time");
        }
        return LocalCommands.helloReply();
    }

    /** ACL WHOAMI, LIST, USERS, HELP; the subcommands that change users are refused (users come from the file). */
    Reply acl(List<byte[]> argv) {
        String sub = Arguments.upper(argv.get(1));
        return switch (sub) {
            case "WHOAMI", "LIST", "USERS" -> {
                if (argv.size() != 2) {
                    yield Reply.error("wrong number of arguments for 'acl|" + sub.toLowerCase(Locale.ROOT)
                            + "' command");
                }
                yield switch (sub) {
                    case "WHOAMI" -> Reply.bulk(user.name());
                    case "LIST" -> Reply.bulks(acl.list().stream().map(Arguments::bytes).toList());
                    default -> Reply.bulks(acl.names().stream().map(Arguments::bytes).toList());
                };
            }
            case "HELP" -> Reply.bulks(List.of(Arguments.bytes("ACL <subcommand> [<arg> [value] [opt] ...]. "
                            + "Subcommands are:"), Arguments.bytes("WHOAMI"),
                    Arguments.bytes("    Return the current connection username."), Arguments.bytes("LIST"),
                    Arguments.bytes("    Show users in the cluster file's rules, as Redis ACL rules."),
                    Arguments.bytes("USERS"), Arguments.bytes("    List all the registered usernames."),
                    Arguments.bytes("HELP"), Arguments.bytes("    Print this help.")));
            case "CAT", "DELUSER", "DRYRUN", "GENPASS", "GETUSER", "LOAD", "LOG", "SAVE", "SETUSER" ->
                    Reply.error("ACL " + sub + " is not supported: users are defined in the cluster file"
                            + " (see docs/security.md)");
            default -> Reply.error("unknown subcommand '" + Arguments.text(argv.get(1)) + "'. Try ACL HELP.");
        };
    }
}

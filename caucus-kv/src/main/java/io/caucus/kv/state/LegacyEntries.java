package io.caucus.kv.state;

import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Version 1 of the log entry and reply formats, read so that entries and snapshots written before the data
 * model grew still replay: a version-1 write (SET, DEL, INCRBY, APPEND, MSET, CAS as typed records) becomes the
 * command it always meant, run at the time of the entry before it (version 1 carried no time).
 */
final class LegacyEntries {

    private static final int REGISTER = 1;
    private static final int SESSION = 2;

    private static final int SET = 1;
    private static final int DEL = 2;
    private static final int INCRBY = 3;
    private static final int APPEND = 4;
    private static final int MSET = 5;
    private static final int CAS = 6;

    private static final int OK = 1;
    private static final int INT = 2;
    private static final int BULK = 3;
    private static final int NIL = 4;
    private static final int ARRAY = 5;
    private static final int ERROR = 6;

    private LegacyEntries() {
    }

    /** The rest of a version-1 entry, its version byte already read. */
    static KvEntry decode(EntryCodec.Reader in) {
        int tag = in.raw();
        KvEntry entry = switch (tag) {
            case REGISTER -> new KvEntry.Register(0);
            case SESSION -> new KvEntry.SessionCommand(0, in.varint(), in.varint(), new KvEntry.Call(write(in)));
            default -> throw in.malformed("unknown version-1 command tag " + tag);
        };
        in.end();
        return entry;
    }

    private static List<byte[]> write(EntryCodec.Reader in) {
        int tag = in.raw();
        List<byte[]> argv = new ArrayList<>();
        switch (tag) {
            case SET -> argv(argv, "SET", in.bytes(), in.bytes());
            case DEL -> {
                argv.add(ascii("DEL"));
                argv.addAll(in.list());
            }
            case INCRBY -> argv(argv, "INCRBY", in.bytes(), ascii(Long.toString(in.zigzag())));
            case APPEND -> argv(argv, "APPEND", in.bytes(), in.bytes());
            case MSET -> {
                List<byte[]> keys = in.list();
                List<byte[]> values = in.list();
                argv.add(ascii("MSET"));
                for (int i = 0; i < Math.min(keys.size(), values.size()); i++) {
                    argv.add(keys.get(i));
                    argv.add(values.get(i));
                }
            }
            case CAS -> argv(argv, "CAS", in.bytes(), in.bytes(), in.bytes());
            default -> throw in.malformed("unknown version-1 write tag " + tag);
        }
        return argv;
    }

    private static void argv(List<byte[]> argv, String name, byte[]... args) {
        argv.add(ascii(name));
        argv.addAll(List.of(args));
    }

    /** The rest of a version-1 reply (kept in the session table of a version-1 snapshot). */
    static Reply decodeReply(EntryCodec.Reader in) {
        int tag = in.raw();
        Reply reply = switch (tag) {
            case OK -> Reply.OK;
            case INT -> new Reply.Int(in.zigzag());
            case BULK -> new Reply.Bulk(in.bytes());
            case NIL -> Reply.NIL;
            case ARRAY -> {
                int count = in.count();
                List<Reply> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(switch (in.raw()) {
                        case 0 -> Reply.NIL;
                        case 1 -> new Reply.Bulk(in.bytes());
                        default -> throw in.malformed("bad version-1 array element marker");
                    });
                }
                yield new Reply.Array(elements);
            }
            case ERROR -> new Reply.Error(in.string(), in.string());
            default -> throw in.malformed("unknown version-1 reply tag " + tag);
        };
        in.end();
        return reply;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}

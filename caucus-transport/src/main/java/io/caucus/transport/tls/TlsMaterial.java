package io.caucus.transport.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * One port's certificate chain, private key and trusted certificates, read from PEM files and checked: every file
 * exists and can be read, holds what it should, the certificates are valid now, and the key belongs to the
 * certificate. Each refusal is a {@link TlsException} naming the file and the reason, so that a node refuses to
 * start (or keeps its current material on reload) rather than failing every handshake later.
 *
 * @param key     the private key of {@code chain.get(0)}
 * @param chain   this node's certificate first, then any intermediates
 * @param trusted the ca file's certificates; empty when no ca is configured
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted) {

    public TlsMaterial {
        chain = List.copyOf(chain);
        trusted = List.copyOf(trusted);
    }

    /** Reads and checks {@code files} as of {@code now}. */
    public static TlsMaterial load(TlsFiles files, Instant now) {
        List<X509Certificate> chain = certificates("cert", files.cert());
        checkValidity("cert", files.cert(), chain.getFirst(), now);
        PrivateKey key = privateKey(files.key());
        checkKeyMatches(files, chain.getFirst(), key);
        List<X509Certificate> trusted = List.of();
        if (files.ca() != null) {
            trusted = certificates("ca", files.ca());
            for (X509Certificate certificate : trusted) {
                checkValidity("ca", files.ca(), certificate, now);
            }
        }
        return new TlsMaterial(key, chain, trusted);
    }

    /** The certificates of a PEM file (a ca file, say); refuses, naming the file, one with none or anything else. */
    public static List<X509Certificate> readCertificates(Path file) {
        return certificates("ca", file);
    }

    /** Every certificate in a PEM file; refuses a file with none or with anything else. */
    private static List<X509Certificate> certificates(String field, Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object object : pemObjects(field, file)) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new TlsException(describe(field, file) + ": expected PEM certificates (BEGIN CERTIFICATE),"
                        + " found " + object.getClass().getSimpleName());
            }
            try {
                certificates.add(converter.getCertificate(holder));
            } catch (GeneralSecurityException e) {
                throw new TlsException(describe(field, file) + ": not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new TlsException(describe(field, file) + ": no certificate in it (expected PEM, BEGIN CERTIFICATE)");
        }
        return certificates;
    }

    private static PrivateKey privateKey(Path file) {
        List<Object> objects = pemObjects("key", file);
        if (objects.size() != 1) {
            throw new TlsException(describe("key", file) + ": expected exactly one PEM private key, found "
                    + objects.size() + " PEM objects");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            return switch (objects.getFirst()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo()); // the public half may be absent
                case PEMEncryptedKeyPair ignored -> throw encrypted(file);
                case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(file);
                default -> throw new TlsException(describe("key", file) + ": expected a PEM private key (BEGIN PRIVATE"
                        + " KEY, RSA PRIVATE KEY or EC PRIVATE KEY), found " + objects.getFirst().getClass().getSimpleName());
            };
        } catch (IOException e) {
            throw new TlsException(describe("key", file) + ": not a usable private key: " + e.getMessage(), e);
        }
    }

    private static TlsException encrypted(Path file) {
        return new TlsException(describe("key", file) + ": the key is encrypted; give an unencrypted key (e.g."
                + " openssl pkey -in encrypted.key -out plain.key) and protect the file with its permissions");
    }

    private static List<Object> pemObjects(String field, Path file) {
        List<Object> objects = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (NoSuchFileException e) {
            throw new TlsException(describe(field, file) + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsException(describe(field, file) + ": cannot be read (permission denied)", e);
        } catch (IOException | RuntimeException e) {
            throw new TlsException(describe(field, file) + ": cannot be read as PEM: " + e.getMessage(), e);
        }
        return objects;
    }

    private static void checkValidity(String field, Path file, X509Certificate certificate, Instant now) {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new TlsException(describe(field, file) + ": certificate '" + subject(certificate) + "' expired on "
                    + certificate.getNotAfter().toInstant(), e);
        } catch (CertificateNotYetValidException e) {
            throw new TlsException(describe(field, file) + ": certificate '" + subject(certificate)
                    + "' is not valid before " + certificate.getNotBefore().toInstant(), e);
        }
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static void checkKeyMatches(TlsFiles files, X509Certificate certificate, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new TlsException(describe("key", files.key()) + ": unsupported key algorithm "
                    + key.getAlgorithm() + " (use RSA, EC or Ed25519)");
        };
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false; // e.g. an EC key beside an RSA certificate: initVerify refuses the pairing
        }
        if (!matches) {
            throw new TlsException(describe("key", files.key()) + ": the key does not belong to the certificate '"
                    + subject(certificate) + "' in " + files.cert());
        }
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    private static String describe(String field, Path file) {
        return "TLS " + field + " file " + file;
    }
}

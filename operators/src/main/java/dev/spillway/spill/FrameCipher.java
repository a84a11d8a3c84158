package dev.spillway.spill;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-GCM for the frames of one engine's spill files, under a 256-bit key made when the engine
 * starts and never written anywhere (Spark's I/O encryption does the same per application). Nonces
 * are a random 4-byte prefix and a frame counter, so none repeats under the key; the frame's raw
 * length and block number are authenticated with it, so a frame cannot be moved. One engine's
 * thread uses it at a time.
 */
final class FrameCipher {
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;

  /** What encryption adds to a frame's stored bytes. */
  static final int OVERHEAD = NONCE_BYTES + TAG_BYTES;

  private final SecretKey key;
  private final Cipher cipher;
  private final int noncePrefix;
  private long frames;
  private final byte[] nonce = new byte[NONCE_BYTES];
  private final byte[] aad = new byte[12];

  /** A cipher under a new key of its own, which lives and dies with its engine. */
  FrameCipher() {
    this(newKey());
  }

  /**
   * A cipher under a key that other ciphers share (an exchange's writers and readers): its nonces
   * start at a random 96-bit point, so that writers under one key do not repeat one.
   */
  FrameCipher(SecretKey key) {
    try {
      SecureRandom random = new SecureRandom();
      this.key = key;
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
      this.noncePrefix = random.nextInt();
      this.frames = random.nextLong();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM: " + e, e);
    }
  }

  static SecretKey newKey() {
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(256, new SecureRandom());
      return generator.generateKey();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM: " + e, e);
    }
  }

  /**
   * Encrypts {@code length} bytes at {@code buf[offset + NONCE_BYTES]} in place, writing the nonce
   * before them and the tag after; returns the stored length ({@code length + OVERHEAD}).
   */
  int encrypt(byte[] buf, int offset, int length, int rawLength, long block) {
    FrameFormat.putIntLE(nonce, 0, noncePrefix);
    long n = frames++;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (n >>> (8 * i));
    }
    System.arraycopy(nonce, 0, buf, offset, NONCE_BYTES);
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(associatedData(rawLength, block));
      return NONCE_BYTES
          + cipher.doFinal(buf, offset + NONCE_BYTES, length, buf, offset + NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a spill block: " + e, e);
    }
  }

  /**
   * Decrypts a stored frame of {@code storedLength} bytes at {@code buf[offset]} in place; returns
   * the plaintext length, whose bytes start at {@code offset + NONCE_BYTES}.
   *
   * @throws AEADBadTagException if the frame was changed, moved or written under another key
   */
  int decrypt(byte[] buf, int offset, int storedLength, int rawLength, long block)
      throws AEADBadTagException {
    if (storedLength < OVERHEAD) {
      throw new AEADBadTagException("an encrypted frame of " + storedLength + " bytes");
    }
    System.arraycopy(buf, offset, nonce, 0, NONCE_BYTES);
    try {
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(associatedData(rawLength, block));
      return cipher.doFinal(
          buf, offset + NONCE_BYTES, storedLength - NONCE_BYTES, buf, offset + NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot decrypt a spill block: " + e, e);
    }
  }

  private byte[] associatedData(int rawLength, long block) {
    for (int i = 0; i < 4; i++) {
      aad[i] = (byte) (rawLength >>> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
      aad[4 + i] = (byte) (block >>> (56 - 8 * i));
    }
    return aad;
  }
}

"""No key material in any message: a PEM text given to a *_file key is refused without being
echoed; malformed PEM in the *_pem keys and a PEM-looking cert_p12_password fail (at set or at
Pusher construction) with exceptions that quote no line of the PEM body; nor does
stats()["last_error"]. Assertion messages never include the exception text or the key."""

import base64
import time

import pytest

import apnspush

from conftest import note

FILE_KEYS = ["cert_file", "key_file", "ca_file", "cert_p12_file", "auth_key_file"]
OFFLINE = {"protocol": "http2", "host": "127.0.0.1", "port": 9}


def body_lines(pem):
    return [l.strip() for l in pem.splitlines() if l.strip() and not l.startswith("-----")]


def pem_of(label, der):
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def malformed(pem, label):
    """The key's DER reversed: PEM-shaped, unique, not a key."""
    return pem_of(label, base64.b64decode("".join(body_lines(pem)))[::-1])


def variants(pem):
    """A PEM as an environment variable may mangle it: intact, line breaks lost, escaped."""
    return {"intact": pem, "spaces": pem.replace("\n", " "), "escaped": pem.replace("\n", "\\n")}


def assert_clean(text, pem, what):
    for i, line in enumerate(body_lines(pem)):
        assert line not in text, f"{what}: the message quotes line {i} of the PEM body"


@pytest.fixture(scope="module")
def real_key():
    """A freshly generated P-256 private key (the token-auth mock's)."""
    with apnspush.MockServer(protocol="http2", token_auth=True) as m:
        return m.config["auth_key_pem"]


@pytest.mark.parametrize("key", FILE_KEYS)
def test_file_keys_refuse_pem_text_without_echoing_it(key, real_key):
    for how, value in variants(real_key).items():
        with pytest.raises(apnspush.InvalidConfigValueError) as e:
            apnspush.Pusher(**OFFLINE, **{key: value})
        text = str(e.value)
        assert f"{key}: the value looks like PEM text, not a path" in text, how
        assert_clean(text, real_key, f"{key} ({how})")


@pytest.mark.parametrize("key", FILE_KEYS)
def test_file_keys_refuse_values_longer_than_a_path(key):
    with pytest.raises(apnspush.InvalidConfigValueError) as e:
        apnspush.Pusher(**OFFLINE, **{key: "/" + "k" * 4096})
    assert "longer than any path" in str(e.value)
    assert "kkkk" not in str(e.value)


def test_a_malformed_auth_key_fails_at_construction_without_echoing_it(real_key):
    bad = malformed(real_key, "PRIVATE KEY")
    for how, value in variants(bad).items():
        with pytest.raises(apnspush.CredentialsError) as e:
            apnspush.Pusher(**OFFLINE, auth_key_pem=value, key_id="K", team_id="T")
        assert "auth key: " in str(e.value), how
        assert_clean(str(e.value), bad, f"auth_key_pem ({how})")
    for how, value in variants(real_key).items():
        if how == "intact":
            continue
        with pytest.raises(apnspush.CredentialsError) as e:
            apnspush.Pusher(**OFFLINE, auth_key_pem=value, key_id="K", team_id="T")
        assert_clean(str(e.value), real_key, f"auth_key_pem ({how})")


def test_malformed_client_and_ca_pem_fail_at_construction_without_echoing_them(real_key):
    with apnspush.MockServer(protocol="http2", require_client_cert=True) as m:
        good_cert, good_key = m.client_cert_pem, m.client_key_pem
        bad_key = malformed(real_key, "PRIVATE KEY")
        bad_cert = malformed(real_key, "CERTIFICATE")
        cases = []
        for how, value in variants(bad_key).items():
            cases.append((f"key_pem {how}", {"cert_pem": good_cert, "key_pem": value}, bad_key))
        for how, value in variants(bad_cert).items():
            cases.append((f"cert_pem {how}", {"cert_pem": value, "key_pem": good_key}, bad_cert))
            cases.append((f"ca_pem {how}", {"ca_pem": value}, bad_cert))
        for what, extra, secret in cases:
            with pytest.raises((apnspush.CredentialsError, apnspush.TlsError)) as e:
                apnspush.Pusher(**{**m.config, **extra})
            assert_clean(str(e.value), secret, what)


def test_the_p12_password_is_never_quoted(real_key, tmp_path):
    not_p12 = tmp_path / "not.p12"
    not_p12.write_bytes(b"not a PKCS#12 file")
    for path in ["/nonexistent/apnspush-test/cert.p12", str(not_p12)]:
        with pytest.raises(apnspush.CredentialsError) as e:
            apnspush.Pusher(**OFFLINE, cert_p12_file=path, cert_p12_password=real_key)
        assert path in str(e.value)
        assert_clean(str(e.value), real_key, "cert_p12_password")


def test_invalid_values_and_unknown_keys_are_not_quoted(real_key):
    for key in ["protocol", "topic", "key_id", "connections"]:
        with pytest.raises(apnspush.InvalidConfigValueError) as e:
            apnspush.Pusher(**{key: real_key})
        assert "not shown" in str(e.value), key
        assert_clean(str(e.value), real_key, key)
    with pytest.raises(apnspush.UnknownConfigKeyError) as e:
        apnspush.Pusher(**{real_key: "x"})
    assert_clean(str(e.value), real_key, "unknown key")


def test_last_error_never_quotes_secrets(real_key):
    m = apnspush.MockServer(protocol="http2", token_auth=True)
    secrets = [m.config["auth_key_pem"], m.config["ca_pem"], real_key]
    p = apnspush.Pusher(**m.config, cert_p12_password=real_key, reconnect_backoff_ms=10)
    try:
        assert p.ensure_push(note(1), timeout=120).accepted
        m.stop()
        p.push_async(note(2))
        deadline = time.monotonic() + 120
        while not p.stats()["last_error"]:
            assert time.monotonic() < deadline, "no last_error after the gateway went away"
            time.sleep(0.01)
        stats = p.stats()
        for secret in secrets:
            assert_clean(stats["last_error"], secret, "last_error")
            assert_clean(repr(stats), secret, "stats")
    finally:
        p.close(timeout=0)

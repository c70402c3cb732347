import { useEffect, useMemo, useState } from 'preact/hooks';
import { Shell } from './shell.js';
import { refusal, signIn, signOut, storedToken, type SignedIn } from './session.js';
import { SignIn } from './sign-in.js';

/** Signed out: the token form. Signed in: the dashboard, until sign-out or a reload without a stored token. */
export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [error, setError] = useState('');
  const stored = useMemo(storedToken, []);
  const [checking, setChecking] = useState(stored !== null);

  const tryToken = (token: string) => {
    setError('');
    signIn(token)
      .then(setSignedIn, (e: unknown) => setError(refusal(e)))
      .finally(() => setChecking(false));
  };
  useEffect(() => {
    if (stored) tryToken(stored);
  }, []);

  if (signedIn) return <Shell signedIn={signedIn} onSignOut={() => void signOut(signedIn).then(() => location.reload())} />;
  if (checking) return <p class="muted narrow">Signing in…</p>;
  return <SignIn error={error} onToken={tryToken} />;
}

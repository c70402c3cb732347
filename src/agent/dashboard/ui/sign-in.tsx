import { useState } from 'preact/hooks';

/** The admin's bearer token, asked once per tab. */
export function SignIn({ error, onToken }: { error: string; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main id="sign-in" class="card narrow">
      <h2>Sign in</h2>
      <p class="muted">
        Paste an admin's bearer token (the host app's own; with the example app: <code>npm run token -- --admin</code>). It is kept in this
        tab only.
      </p>
      <form
        id="sign-in-form"
        autocomplete="off"
        onSubmit={(event) => {
          event.preventDefault();
          onToken(token.trim());
        }}
      >
        <label>
          Bearer token
          <input
            id="token"
            name="token"
            type="password"
            required
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p id="sign-in-error" class="error" role="alert" data-testid="sign-in-error">
        {error}
      </p>
    </main>
  );
}

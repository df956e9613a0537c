namespace ChangeDesk.Web;

/// <summary>A number of requests allowed in a fixed window.</summary>
public sealed class WindowLimit
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; } = 60;

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    internal void Validate(string name)
    {
        if (PermitLimit < 1)
        {
            throw new InvalidOperationException($"{RateLimitOptions.Section}:{name}:PermitLimit must be 1 or more, not {PermitLimit}.");
        }
        if (WindowSeconds is < 1 or > 86_400)
        {
            throw new InvalidOperationException($"{RateLimitOptions.Section}:{name}:WindowSeconds must be between 1 and 86400, not {WindowSeconds}.");
        }
    }
}

/// <summary>The sign-in lockout: failures before a lock, and how long locks last.</summary>
public sealed class SignInLimits
{
    /// <summary>Failed sign-ins for one email before it is locked.</summary>
    public int AccountFailures { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address (any email) before the address is locked.</summary>
    public int AddressFailures { get; set; } = 20;

    /// <summary>The first lock; every further lock of the same email or address lasts twice the one before.</summary>
    public int LockoutSeconds { get; set; } = 60;

    public int MaxLockoutSeconds { get; set; } = 1800;

    /// <summary>Failures and locks are forgotten after this long without a failure.</summary>
    public int ForgetAfterSeconds { get; set; } = 3600;

    /// <summary>Sign-in attempts (right or wrong) per client address, to bound the password hashing one address can ask for.</summary>
    public WindowLimit Attempts { get; set; } = new() { PermitLimit = 30, WindowSeconds = 60 };

    internal void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(AccountFailures), AccountFailures), (nameof(AddressFailures), AddressFailures),
                     (nameof(LockoutSeconds), LockoutSeconds), (nameof(MaxLockoutSeconds), MaxLockoutSeconds), (nameof(ForgetAfterSeconds), ForgetAfterSeconds) })
        {
            if (value < 1)
            {
                throw new InvalidOperationException($"{RateLimitOptions.Section}:SignIn:{name} must be 1 or more, not {value}.");
            }
        }
        if (MaxLockoutSeconds < LockoutSeconds)
        {
            throw new InvalidOperationException($"{RateLimitOptions.Section}:SignIn:MaxLockoutSeconds ({MaxLockoutSeconds}) must not be below LockoutSeconds ({LockoutSeconds}).");
        }
        Attempts.Validate("SignIn:Attempts");
    }
}

/// <summary>
/// Request limits of the API, the Graph-compatible API and sign-in. Counted in each instance's memory: with several
/// instances behind a load balancer a client gets up to the limit from each instance it reaches.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>/api, per API token, or per user for calls with the sign-in cookie.</summary>
    public WindowLimit Api { get; set; } = new() { PermitLimit = 600, WindowSeconds = 60 };

    /// <summary>/graph, per API token (Microsoft Graph allows 240 a minute per app and tenant on these endpoints).</summary>
    public WindowLimit Graph { get; set; } = new() { PermitLimit = 240, WindowSeconds = 60 };

    /// <summary>/api and /graph without a valid token (none, unknown, revoked), per client address.</summary>
    public WindowLimit Anonymous { get; set; } = new() { PermitLimit = 60, WindowSeconds = 60 };

    public SignInLimits SignIn { get; set; } = new();

    public RateLimitOptions Validated()
    {
        Api.Validate(nameof(Api));
        Graph.Validate(nameof(Graph));
        Anonymous.Validate(nameof(Anonymous));
        SignIn.Validate();
        return this;
    }
}

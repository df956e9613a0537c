using System.Collections.Concurrent;
using ChangeDesk.Web;

namespace ChangeDesk.Tenancy;

/// <summary>
/// Locks sign-in for an email after <see cref="SignInLimits.AccountFailures"/> failures, and for a client address
/// after <see cref="SignInLimits.AddressFailures"/> failures with any email. Once locked, every further failure after
/// the lock ends locks again for twice as long, up to <see cref="SignInLimits.MaxLockoutSeconds"/>. A success
/// (possible only while not locked) clears the email's record; everything is forgotten after
/// <see cref="SignInLimits.ForgetAfterSeconds"/> without a failure. Unknown emails lock like known ones, so a lock
/// tells nothing about which accounts exist. Kept in this instance's memory.
/// </summary>
public sealed class SignInLockout(TimeProvider clock, RateLimitOptions options)
{
    const int PruneAbove = 10_000;
    readonly ConcurrentDictionary<string, Record> records = new();
    SignInLimits Limits => options.SignIn;

    /// <summary>How long sign-in stays locked for this email or address (the longer of the two), or null.</summary>
    public TimeSpan? LockedFor(string? email, string address)
    {
        var now = clock.GetUtcNow();
        var left = TimeSpan.Zero;
        foreach (var key in Keys(email, address))
        {
            if (records.TryGetValue(key, out var record))
            {
                lock (record)
                {
                    left = record.LockedUntil - now > left ? record.LockedUntil - now : left;
                }
            }
        }
        return left > TimeSpan.Zero ? left : null;
    }

    public void Failed(string? email, string address)
    {
        var now = clock.GetUtcNow();
        if (records.Count > PruneAbove)
        {
            Prune(now);
        }
        Fail(records.GetOrAdd(AccountKey(email), _ => new Record()), Limits.AccountFailures, now);
        Fail(records.GetOrAdd(AddressKey(address), _ => new Record()), Limits.AddressFailures, now);
    }

    public void Succeeded(string? email) => records.TryRemove(AccountKey(email), out _);

    void Fail(Record record, int threshold, DateTimeOffset now)
    {
        lock (record)
        {
            if (record.Forgotten(now, Limits))
            {
                record.Failures = 0;
                record.Locks = 0;
            }
            record.LastFailure = now;
            record.Failures++;
            if (record.Locks > 0 || record.Failures >= threshold)
            {
                record.Locks++;
                record.Failures = 0;
                record.LockedUntil = now + LockDuration(record.Locks, Limits);
            }
        }
    }

    /// <summary>The n-th lock in a row: the first lasts LockoutSeconds, each next one twice the one before, capped.</summary>
    public static TimeSpan LockDuration(int lockNumber, SignInLimits limits)
    {
        var seconds = limits.LockoutSeconds * Math.Pow(2, Math.Min(lockNumber - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, limits.MaxLockoutSeconds));
    }

    void Prune(DateTimeOffset now)
    {
        foreach (var (key, record) in records)
        {
            bool forgotten;
            lock (record)
            {
                forgotten = record.Forgotten(now, Limits);
            }
            if (forgotten)
            {
                records.TryRemove(key, out _);
            }
        }
    }

    static string AccountKey(string? email) => "account:" + (email ?? "").Trim().ToLowerInvariant();
    static string AddressKey(string address) => "address:" + address;
    static string[] Keys(string? email, string address) => [AccountKey(email), AddressKey(address)];

    sealed class Record
    {
        public int Failures;
        public int Locks;
        public DateTimeOffset LockedUntil;
        public DateTimeOffset LastFailure;

        public bool Forgotten(DateTimeOffset now, SignInLimits limits) =>
            LockedUntil <= now && now - LastFailure >= TimeSpan.FromSeconds(limits.ForgetAfterSeconds);
    }
}

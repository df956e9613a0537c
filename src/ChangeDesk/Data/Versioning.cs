using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>
/// An entity with a version: its ETag and optimistic concurrency token. Every save that modifies it adds one, unless
/// the code already set the version itself or only <see cref="NotVersionedAttribute"/> properties changed.
/// </summary>
public interface IVersioned
{
    int Version { get; set; }
}

/// <summary>
/// A property whose writes leave the version alone: bookkeeping of the service that nobody edits with an ETag, so a
/// person's edit is not refused for a change they cannot see.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotVersionedAttribute : Attribute;

public abstract partial class ChangeDeskDb
{
    /// <summary>
    /// Adds one to the version of every modified versioned entity, once per save: not where the code set the version
    /// itself, nor where only bookkeeping properties changed.
    /// </summary>
    void BumpVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>().Where(e => e.State == EntityState.Modified))
        {
            var version = entry.Property(v => v.Version);
            if (!version.IsModified && entry.Properties.Any(p => p.IsModified && p.Metadata.PropertyInfo?.IsDefined(typeof(NotVersionedAttribute), false) != true))
            {
                version.CurrentValue = version.OriginalValue + 1;
            }
        }
    }
}

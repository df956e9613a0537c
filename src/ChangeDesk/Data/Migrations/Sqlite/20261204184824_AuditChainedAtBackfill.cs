using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditChainedAtBackfill : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Records written before the chainer were chained as they were written. A migration of its own, because SQLite
            // rebuilds the table at the end of the one that adds the column.
            migrationBuilder.Sql("""UPDATE "AuditRecords" SET "ChainedAt" = "At" WHERE "Sequence" IS NOT NULL AND "ChainedAt" IS NULL;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}

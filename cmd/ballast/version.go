package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ballast-dev/ballast/internal/version"
)

func newVersionCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, Git commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateOutput(output); err != nil {
				return err
			}
			info := version.Get()
			out := cmd.OutOrStdout()
			if output == outputJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(info); err != nil {
					return fmt.Errorf("write version: %w", err)
				}
				return nil
			}
			if _, err := fmt.Fprintf(out, "version:  %s\ncommit:   %s\nbuilt:    %s\ngo:       %s\nplatform: %s\n",
				info.Version, info.Commit, info.Date, info.GoVersion, info.Platform); err != nil {
				return fmt.Errorf("write version: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputText, "output format: text or json")
	return cmd
}

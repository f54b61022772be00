# tally_ex: the example mix release of smoothver's demo (ci/demo.sh --mix),
# the Elixir twin of examples/tally. No dependencies: it builds offline
# with Debian's elixir.
defmodule TallyEx.MixProject do
  use Mix.Project

  def project do
    [
      app: :tally_ex,
      version: "1.0.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [
        # `MIX_ENV=prod mix release` writes the release root to
        # _build/prod/rel/tally_ex. It includes the ERTS and sasl (which
        # brings release_handler), so the root is a self-contained target
        # system that release_handler can upgrade in place.
        tally_ex: [
          include_executables_for: [:unix],
          applications: [sasl: :permanent]
        ]
      ]
    ]
  end

  def application do
    [
      mod: {TallyEx.Application, []},
      registered: [TallyEx.Supervisor, TallyEx.Counter, TallyEx.Listener],
      env: [port: 7000],
      extra_applications: [:logger]
    ]
  end
end

defmodule TallyEx.Application do
  # The counter first, then the listener that serves it.
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [TallyEx.Counter, TallyEx.Listener]
    opts = [strategy: :one_for_one, name: TallyEx.Supervisor]
    Supervisor.start_link(children, opts)
  end
end

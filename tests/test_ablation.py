import json

from training import ablation, train


def test_each_variant_changes_one_part_of_the_recipe_and_never_touches_the_committed_model():
    for name in ablation.VARIANTS:
        args = train.parse_args(ablation.command(name, 20)[3:])
        assert args.epochs == 20
        assert str(ablation.run_dir(name, 20)) in args.out
        assert "models/" not in args.out and "models/" not in args.metrics
    assert train.parse_args(ablation.command("no-erasing", 20)[3:]).erasing == 0
    assert train.parse_args(ablation.command("vgg-s", 20)[3:]).architecture == "vgg-s"
    assert train.parse_args(ablation.command("chained-jitter", 20)[3:]).chained_jitter
    assert train.parse_args(ablation.command("small-faces", 20)[3:]).small_faces == 0.25
    assert train.parse_args(ablation.command("app-frames", 20)[3:]).app_frames == 0.5
    recipe = train.parse_args(ablation.command("recipe", 20)[3:])
    assert (recipe.architecture, recipe.erasing, recipe.chained_jitter) == ("vgg-d", 0.5, False)


def test_the_table_compares_finished_variants_with_the_recipe(tmp_path, monkeypatch):
    monkeypatch.setattr(ablation, "RUNS_DIR", tmp_path)

    def finish(name: str, accuracy: float, epochs_done: int = 20) -> None:
        export = ablation.run_dir(name, 20) / "export"
        export.mkdir(parents=True)
        run = {"epochs_done": epochs_done, "minutes": 31.4}
        figures = {"public_test_accuracy": accuracy, "runs": [run]}
        (export / "metrics.json").write_text(json.dumps(figures))

    finish("recipe", 0.66)
    finish("no-erasing", 0.6512)
    finish("vgg-s", 0.64, epochs_done=7)  # stopped midway: not a result yet
    text = ablation.table(list(ablation.VARIANTS), 20)
    assert "| 66.00% |" in text
    assert "-0.88" in text
    assert text.count("not yet run") == len(ablation.VARIANTS) - 2  # all but recipe, no-erasing
